// collapse's own JNI function, compiled by `collapse native build` into the libdjl_torch.so it makes
// from DJL's sources (which stay as released). One AdamW step over every parameter at once through
// torch's multi-tensor kernel, as torch.optim.AdamW(fused=True) takes it: a few kernel launches per
// step where the per-tensor form (io.collapse.train.AdamW) makes ~15 JNI calls per parameter tensor,
// which on a GPU cost more than the arithmetic (README, "On a GPU").
#include <jni.h>
#include <torch/torch.h>

#include <vector>

#include "djl_pytorch_jni_exception.h"  // API_BEGIN/API_END: a torch error becomes DJL's EngineException
#include "djl_pytorch_jni_log.h"        // the Log that API_END writes to

namespace {

// DJL's handles are torch::Tensor pointers; the vector holds new references to the same storage.
std::vector<at::Tensor> tensors(JNIEnv* env, jlongArray handles) {
  const jsize n = env->GetArrayLength(handles);
  std::vector<jlong> raw(n);
  env->GetLongArrayRegion(handles, 0, n, raw.data());
  std::vector<at::Tensor> out;
  out.reserve(n);
  for (jlong h : raw) {
    out.push_back(*reinterpret_cast<at::Tensor*>(h));
  }
  return out;
}

}  // namespace

// Updates params, expAvgs and expAvgSqs in place: step is the count after this step (torch's
// state['step'], incremented before the kernel reads it), shared by all parameters.
extern "C" JNIEXPORT void JNICALL Java_io_collapse_train_FusedAdamW_step(JNIEnv* env, jclass, jlongArray params,
    jlongArray grads, jlongArray exp_avgs, jlongArray exp_avg_sqs, jlong step, jdouble lr, jdouble beta1,
    jdouble beta2, jdouble weight_decay, jdouble eps) {
  API_BEGIN()
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> p = tensors(env, params);
  if (p.empty()) {
    return;
  }
  std::vector<at::Tensor> g = tensors(env, grads);
  std::vector<at::Tensor> m = tensors(env, exp_avgs);
  std::vector<at::Tensor> v = tensors(env, exp_avg_sqs);
  // torch keeps a float32 step tensor per parameter, on the parameters' device for the CUDA kernel.
  at::Tensor count = torch::full({}, static_cast<double>(step), p[0].options().dtype(torch::kFloat32));
  std::vector<at::Tensor> steps(p.size(), count);
  at::_fused_adamw_(p, g, m, v, {}, steps, lr, beta1, beta2, weight_decay, eps, /*amsgrad=*/false,
      /*maximize=*/false);
  API_END()
}
