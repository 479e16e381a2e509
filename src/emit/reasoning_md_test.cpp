// Pins the reasoning .md: the exact text for a one-child kernel, every child's label, kernel,
// line and bindings, the sections in order, the Unknowns section (listing each unknown child
// with its line and reason, or None), code that stays verbatim, and determinism.
#include "emit/reasoning_md.h"

#include <gtest/gtest.h>

#include <string>

#include "emit/emit_test_traces.h"

namespace kcost {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The text of section `heading` ("## Unknowns"), up to the next "## " heading.
std::string section(const std::string& md, const std::string& heading) {
  const size_t start = md.find("\n" + heading + "\n");
  if (start == std::string::npos) return "";
  const size_t end = md.find("\n## ", start + 1);
  return md.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
}

TEST(EmitReasoningMd, Conv1dExactText) {
  KernelTrace t;
  t.kernel_name = "transformers.pytorch_utils.Conv1D";
  t.file = "transformers/pytorch_utils.py";
  t.init_first = 103;
  t.init_last = 110;
  t.forward_first = 115;
  t.forward_last = 119;
  t.init_params = {"nf", "nx"};
  t.forward_params = {"x_dim2"};
  t.forward_param_origins = {{"x_dim2", "dim 2 of input x"}};
  t.inputs = {"x: [batch_size, seq_len, x_dim2]"};
  ChildCall addmm = test_traces::child(
      "addmm", "torch.addmm", true,
      {{"M", "batch_size * seq_len"}, {"K", "nx"}, {"N", "nf"}}, 117,
      "torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)",
      {"x.view(-1, x.size(-1)): [batch_size * seq_len, x_dim2]"},
      "self.weight is [nx, nf] (line 107): K = nx, N = nf");
  addmm.file = t.file;
  t.children = {addmm};
  t.branches = {{t.file, 116, "skipped: nothing"}};
  EXPECT_EQ(reasoning_md(t), R"(# `transformers.pytorch_utils.Conv1D`

## Summary

- Kind: composite (the cost is the sum of its children; no formulas of its own)
- Children: 1 (1 leaf, 0 composite, 0 unknown)
- Unknowns: none

## Source

- File: `transformers/pytorch_utils.py`
- `__init__`: lines 103-110
- `forward`: lines 115-119

## Inputs

- `x: [batch_size, seq_len, x_dim2]`

## Parameters

- init_params: `nf`, `nx`
- forward_params: `x_dim2`
  - `x_dim2`: dim 2 of input x

## Children

### `addmm`

- Kernel: `torch.addmm` (leaf)
- Call site: line 117: `torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)`
- Inputs:
  - `x.view(-1, x.size(-1)): [batch_size * seq_len, x_dim2]`
- Count: `1`
- Bindings:
  - `M = batch_size * seq_len`
  - `K = nx`
  - `N = nf`
- Why: self.weight is [nx, nf] (line 107): K = nx, N = nf

## Branches

- line 116: skipped: nothing

## Assumptions

None beyond the default inference path.

## Unknowns

None: every cost-producing call is modelled.
)");
}

TEST(EmitReasoningMd, SectionsInOrder) {
  const std::string md = reasoning_md(test_traces::llama_model());
  size_t at = 0;
  for (const char* heading : {"# `transformers.models.llama.modeling_llama.LlamaModel`",
                              "## Summary", "## Source", "## Inputs", "## Parameters",
                              "## Children", "## Branches", "## Assumptions", "## Unknowns"}) {
    const size_t found = md.find(std::string(heading) + "\n", at);
    ASSERT_NE(found, std::string::npos) << heading;
    at = found + 1;
  }
}

TEST(EmitReasoningMd, EveryChildLabelKernelLineAndBinding) {
  for (const KernelTrace& t : {test_traces::llama_mlp(), test_traces::llama_model()}) {
    const std::string children = section(reasoning_md(t), "## Children");
    for (const ChildCall& c : t.children) {
      SCOPED_TRACE(c.label);
      const size_t head = children.find("### `" + c.label + "`\n");
      ASSERT_NE(head, std::string::npos);
      const size_t next = children.find("\n### ", head + 1);
      const std::string sub = children.substr(head, next == std::string::npos ? next : next - head);
      EXPECT_TRUE(contains(sub, "- Kernel: `" + c.kernel + "`"));
      EXPECT_TRUE(contains(sub, "- Call site: line " + std::to_string(c.line) + ": `" + c.source + "`"));
      EXPECT_TRUE(contains(sub, "- Count: `" + c.count.str() + "`"));
      for (const auto& [param, value] : c.bindings)
        EXPECT_TRUE(contains(sub, "  - `" + param + " = " + value.str() + "`\n")) << param;
      for (const std::string& input : c.inputs) EXPECT_TRUE(contains(sub, "  - `" + input + "`\n"));
      EXPECT_TRUE(contains(sub, "- Why: " + c.why + "\n"));
    }
  }
}

TEST(EmitReasoningMd, KindOfEachChild) {
  const std::string md = reasoning_md(test_traces::llama_model());
  EXPECT_TRUE(contains(md, "- Kernel: `F.embedding` (leaf)\n"));
  EXPECT_TRUE(contains(md, "- Kernel: `transformers.models.llama.modeling_llama.LlamaRMSNorm` (composite)\n"));
  EXPECT_TRUE(contains(md, "- Kernel: `unknown` (not modelled)\n"));
  EXPECT_TRUE(contains(md, "- Children: 4 (1 leaf, 2 composite, 1 unknown)\n"));
}

TEST(EmitReasoningMd, UnknownsSectionListsEachUnknownChild) {
  KernelTrace t = test_traces::llama_model();
  ChildCall second = t.children[3];
  second.label = "other_mystery";
  second.line = 407;
  second.why = "dynamic shape from .item()";
  t.children.push_back(second);
  const std::string md = reasoning_md(t);
  const std::string unknowns = section(md, "## Unknowns");
  EXPECT_TRUE(contains(unknowns,
                       "- `mystery` at line 404 `torch.ops.custom.fused_thing(hidden_states)`: "
                       "call of torch.ops.custom.fused_thing: no leaf kernel and no Python source\n"));
  EXPECT_TRUE(contains(unknowns,
                       "- `other_mystery` at line 407 `torch.ops.custom.fused_thing(hidden_states)`: "
                       "dynamic shape from .item()\n"));
  EXPECT_FALSE(contains(unknowns, "`norm`"));
  EXPECT_TRUE(contains(md, "- Unknowns: 2, see below\n"));
  EXPECT_EQ(md.rfind("\n## "), md.find("\n## Unknowns\n"));  // the last section
}

TEST(EmitReasoningMd, UnknownsSectionSaysNone) {
  const std::string unknowns = section(reasoning_md(test_traces::llama_mlp()), "## Unknowns");
  EXPECT_EQ(unknowns, "## Unknowns\n\nNone: every cost-producing call is modelled.\n");
}

TEST(EmitReasoningMd, BranchesAndAssumptionsWithLines) {
  const std::string md = reasoning_md(test_traces::llama_model());
  EXPECT_EQ(section(md, "## Branches"),
            "## Branches\n\n"
            "- line 352: taken: `if use_cache and past_key_values is None` (use_cache=True)\n"
            "- line 360: skipped: `if inputs_embeds is not None` (inputs_embeds is None)\n");
  EXPECT_EQ(section(md, "## Assumptions"),
            "## Assumptions\n\n- line 390: every decoder layer costs the same\n");
}

TEST(EmitReasoningMd, PlacesInAnotherFileNameTheFile) {
  KernelTrace t = test_traces::llama_mlp();
  t.children[0].file = "transformers/integrations/sdpa_attention.py";
  t.children[0].line = 12;
  t.branches = {{"transformers/integrations/sdpa_attention.py", 30, "taken: is_causal"}};
  const std::string md = reasoning_md(t);
  EXPECT_TRUE(contains(md, "- Call site: `transformers/integrations/sdpa_attention.py` line 12: "));
  EXPECT_TRUE(contains(md, "- `transformers/integrations/sdpa_attention.py` line 30: taken: is_causal\n"));
  EXPECT_TRUE(contains(md, "- Call site: line 157: `self.up_proj(x)`\n"));  // same file: line only
}

TEST(EmitReasoningMd, CodeStaysVerbatim) {
  KernelTrace t = test_traces::llama_mlp();
  t.children[0].source = "torch.einsum(\"bi,ij->bj\", `a`, b)";
  t.children[3].source = "f(`a`) * `b`";
  t.children[1].source = "self.up_proj(\n    x\n)";
  t.children[2].inputs = {"x: [a, b]\nsecond line"};
  const std::string md = reasoning_md(t);
  // More backticks than the text holds; padded when the text ends with one.
  EXPECT_TRUE(contains(md, "line 157: ``torch.einsum(\"bi,ij->bj\", `a`, b)``\n"));
  EXPECT_TRUE(contains(md, "line 157: `` f(`a`) * `b` ``\n"));
  // Multi-line source: a fenced block.
  EXPECT_TRUE(contains(md, "line 157:\n\n```python\nself.up_proj(\n    x\n)\n```\n"));
  // A list item stays on one line.
  EXPECT_TRUE(contains(md, "  - `x: [a, b] second line`\n"));
}

TEST(EmitReasoningMd, MissingPlacesAndOriginsAreSaid) {
  KernelTrace t;
  t.kernel_name = "K";
  t.forward_params = {"d"};
  const std::string md = reasoning_md(t);
  EXPECT_TRUE(contains(md, "- File: unknown\n- `__init__`: lines unknown\n- `forward`: lines unknown\n"));
  EXPECT_TRUE(contains(md, "  - `d`: origin not recorded\n"));
  EXPECT_TRUE(contains(md, "None: forward() makes no cost-producing call.\n"));
  EXPECT_TRUE(contains(md, "## Inputs\n\nNone traced.\n"));
}

TEST(EmitReasoningMd, Deterministic) {
  EXPECT_EQ(reasoning_md(test_traces::llama_model()), reasoning_md(test_traces::llama_model()));
}

}  // namespace
}  // namespace kcost
