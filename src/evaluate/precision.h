// Precision: element widths by name, for the widths of a runtime point (`bytes` for activations,
// `weight_bytes` for parameters and buffers, `kv_bytes` for the KV cache: evaluate/values.h) and
// the compute precision of the roofline (evaluate/hardware.h).
//
// A width is a number of bytes per element ("2", "0.5", "9/16") or a format's name:
//
//   name          bytes per element                       dequantize FLOPs per weight element
//   fp32          4                                       0
//   fp16, bf16    2                                       0
//   fp8           1 (one scale per tensor: not counted)   0 (the scale folds into the GEMM epilogue)
//   int8          1 (one scale per output channel: N      0 (likewise, in the epilogue)
//                 scales of an N x K weight, not counted)
//   int4, fp4     1/2                                     0
//   int8-gG       1 + 2/G (an fp16 scale per G weights)   1 (multiply by the group's scale)
//   int4-gG       1/2 + 2/G (an fp16 scale per G)         1
//   int4-gG-zp    1/2 + 2.5/G (an fp16 scale and a        2 (subtract the zero point, multiply)
//                 4-bit zero point per G: GPTQ, AWQ)
//   mxfp4         1/2 + 1/32 (an 8-bit E8M0 scale per 32) 1
//   nvfp4         1/2 + 1/16 (an 8-bit E4M3 scale per 16) 1
//   mxfp8         1 + 1/32                                1
//
// so `int4-g128` is 0.515625 bytes per weight and `nvfp4` 0.5625. The scale bytes are counted in
// the weight traffic and in the parameters' memory (the width multiplies both). The dequantize
// FLOPs are those of a weight-only quantized matmul that converts each weight element it reads to
// the activations' type before multiplying (W4A16, W8A16): counted per weight element read, from
// the weight traffic (kcost eval: weight bytes read / weight_bytes), and added to the FLOPs the
// roofline uses; a number given as a width implies none.
#pragma once

#include <string>

#include <ginac/ginac.h>

namespace kcost {

struct Precision {
  std::string name;                     // as given ("int4-g128", "0.5")
  GiNaC::numeric bytes;                 // per element, scales included
  GiNaC::numeric dequantize_flops = 0;  // per weight element read
};

// A width: a positive number or a name of the table above. Throws std::invalid_argument with a
// one-line reason naming the text and the known names.
Precision parse_precision(const std::string& text);

// The compute precision a roofline uses ("bf16", "fp8", "int8", ...): the name lowercased and
// with aliases made canonical (bfloat16 -> bf16, float8/e4m3 -> fp8, float16/half -> fp16,
// float32 -> fp32); std::invalid_argument for a name that is no compute precision.
std::string compute_precision(const std::string& text);

}  // namespace kcost
