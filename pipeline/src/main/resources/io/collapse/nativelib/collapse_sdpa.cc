// collapse's own JNI function for io.collapse.model.Sdpa, compiled by `collapse native build` beside
// DJL's sources into the libdjl_torch.so it makes: attention through
// torch.nn.functional.scaled_dot_product_attention, as HF's "sdpa" attention calls it, which DJL does
// not expose. Its own unit, so that a libtorch it does not compile against (before 2.1, which added
// SDPA's scale) loses only it: the build leaves it out and says why.
#include <jni.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <cstdint>

#include "djl_pytorch_jni_exception.h"  // API_BEGIN/API_END: a torch error becomes DJL's EngineException
#include "djl_pytorch_jni_log.h"        // the Log that API_END writes to

#if TORCH_VERSION_MAJOR < 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR < 1)
#error "scaled_dot_product_attention's scale argument needs torch 2.1 or newer"
#endif

// softmax(q·kᵀ + mask)·v with dropout on the probabilities: q (B, H, T, D), already scaled, k and v
// (B, H, S, D), mask (B, 1, T, S) additive in q's dtype. Returns (B, H, T, D), a new tensor, on
// autograd's graph where grad mode is on.
extern "C" JNIEXPORT jlong JNICALL Java_io_collapse_model_Sdpa_attend(JNIEnv* env, jclass, jlong q, jlong k, jlong v,
    jlong mask, jdouble dropout) {
  API_BEGIN()
  const auto* out = new at::Tensor(at::scaled_dot_product_attention(*reinterpret_cast<at::Tensor*>(q),
      *reinterpret_cast<at::Tensor*>(k), *reinterpret_cast<at::Tensor*>(v), *reinterpret_cast<at::Tensor*>(mask),
      dropout, /*is_causal=*/false, /*scale=*/1.0));
  return reinterpret_cast<uintptr_t>(out);
  API_END_RETURN()
}
