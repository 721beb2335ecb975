// collapse's own JNI functions, compiled by `collapse native build` into the libdjl_torch.so it makes
// from DJL's sources (which stay as released): a training step's optimizer work over every parameter
// at once through torch's multi-tensor kernels — the gradient norm and clipping
// (clip_grad_norm_'s foreach form), the AdamW update (torch.optim.AdamW(fused=True)'s kernel) and
// zero_grad — a few kernel launches per step where the per-tensor forms (io.collapse.train.AdamW,
// Gradients) make ~20 JNI calls per parameter tensor, which on a GPU cost more than the arithmetic
// (README, "On a GPU").
#include <jni.h>
#include <torch/torch.h>

#include <algorithm>
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

// torch.nn.utils.clip_grad_norm_: the L2 norm of all gradients together (the norm of the
// per-tensor norms) and, when max_norm > 0, every gradient scaled in place by
// min(1, max_norm / (norm + 1e-6)). Returns the norm, read to the host (the step's one sync).
extern "C" JNIEXPORT jfloat JNICALL Java_io_collapse_train_FusedAdamW_clipGradNorm(JNIEnv* env, jclass,
    jlongArray grads, jdouble max_norm) {
  API_BEGIN()
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> g = tensors(env, grads);
  if (g.empty()) {
    return 0;
  }
  const float total = at::linalg_vector_norm(at::stack(at::_foreach_norm(g, 2)), 2).item<float>();
  if (max_norm > 0) {
    at::_foreach_mul_(g, at::Scalar(std::min(1.0, max_norm / (static_cast<double>(total) + 1e-6))));
  }
  return total;
  API_END_RETURN()
}

// optimizer.zero_grad() without set_to_none: every defined gradient of params set to zero in place
// (DJL's zeroGrad, for all parameters at once).
extern "C" JNIEXPORT void JNICALL Java_io_collapse_train_FusedAdamW_zeroGrads(JNIEnv* env, jclass, jlongArray params) {
  API_BEGIN()
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (const at::Tensor& p : tensors(env, params)) {
    if (p.grad().defined()) {
      grads.push_back(p.grad());
    }
  }
  at::_foreach_zero_(grads);
  API_END()
}
