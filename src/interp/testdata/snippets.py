# Functions the interpreter unit tests run (src/interp/interpreter_test.cpp). Their ASTs are in
# snippets.json, made by python_helpers/kcost_helpers/ast_data.py:
#   python3 -c "import ast, json, sys; sys.path.insert(0, 'python_helpers'); from kcost_helpers.ast_data import to_data; t = ast.parse(open(sys.argv[1]).read()); json.dump({f.name: to_data(f) for f in t.body}, open(sys.argv[2], 'w'))" src/interp/testdata/snippets.py src/interp/testdata/snippets.json

def config_arith(self, config, n):
    h = config.hidden_size // config.num_attention_heads
    k = getattr(config, "num_key_value_heads", 4)
    m = getattr(config, "missing", 7)
    if config.use_bias:
        h = h * 2
    a, b = (h, k)
    return min(a, 3), max(b, m), a if n > 0 else b

def containers(self, config):
    sizes = [i * 2 for i in range(config.num_hidden_layers)]
    d = {"x": 1, **{"y": 2}}
    return len(sizes), sizes[1], isinstance(config.hidden_size, int), "x" in d, d["y"], sizes[-1:]

def loop(self, layers, x):
    for layer in layers:
        x = layer(x)
    return x

def params(self, a, b=2, *rest, c=3, **extra):
    return a, b, rest, c, extra

def local_functions(self, n, k):
    scale = 10
    def bigger(x, by=1):
        return x * scale + by
    twice = lambda y: y * 2
    return bigger(n), bigger(k, by=3), twice(k)

def weighed_number(self, n):
    top = 4
    if n > 2:
        top = top + 0.5
    return top

def cache_state(self, state, n, decode, prefill, shape):
    # A conv state, None until the cache holds a token; a decode step's arm and a prefill's.
    if state is not None and n == 1:
        out = decode
    else:
        out = prefill
    y = decode if state is None else prefill
    *lead, last = shape
    d = {0: None}
    d[0] = last
    return state is None, out, y, lead, last, d[0]

def scan(self, n, step):
    outputs = []
    for index in range(n):
        outputs.append(step)
    return outputs

def grow_lists(self, thetas):
    kept = []
    for theta in sorted({t for t in thetas if t}):
        kept.append(theta * 2)
    kept.extend([1, 2])
    by_theta = {t: t + 1 for t in thetas}
    pairs = [(i, j) for i in range(2) for j in range(1, 4, 2) if j > i]
    return kept, by_theta[thetas[0]], pairs, by_theta

def grow_modules(self, blocks, block):
    blocks.append(block)
    blocks.append(block)
    return blocks

def outputs_of_layers(self, layers, x):
    return [layer(x) for layer in layers]

def enumerate_names(self, a, b):
    names = []
    for i, x in enumerate((a, b)):
        names.append(str(i) + ":" + x)
    return names

def closure_parse(x):
    # torch's _ntuple(n) makes this function: n is a closure cell, not a global.
    if isinstance(x, Iterable):
        return tuple(x)
    return tuple(repeat(x, n))

def config_property(self, config):
    return config.logits_scaling, config.hidden_size

def early_return_mask(self, x, n):
    if x is not None:
        if n == 1:
            return None
        y = x
    return y

def mask_left_out(self, x, n):
    if n == 1:
        mask = None
    else:
        if x is None:
            raise ValueError("no mask")
        mask = x
    return mask

def inputs_after_prefill(self, mask, use_cache, is_first_iteration):
    # mamba's prepare_inputs_for_generation: a dict whose mask one arm of a run-time condition
    # sets to None; a test of the mask after it decides by that condition.
    model_inputs = {"input_ids": mask, "attention_mask": mask, "use_cache": use_cache}
    if use_cache and not is_first_iteration:
        model_inputs["attention_mask"] = None
    present = model_inputs["attention_mask"] is not None
    return model_inputs, present

def inputs_with_state(self, ids, n, mems):
    # XLNet's prepare_inputs_for_generation: `if mems:` of a state that is None until a token is
    # cached; a tuple one arm puts in the dict and the other leaves out.
    width = n + 1
    if mems:
        width = 3
    model_inputs = {"input_ids": ids}
    if mems:
        model_inputs["mems"] = tuple(m for m in mems)
    taken = 1 if mems else 0
    return model_inputs, taken, not mems, width

def memory_per_layer(self, layers, mems, out):
    # XLNetModel.forward: one memory per layer, [None] * n where no token is cached yet; a new
    # memory per layer, the tuple grown by one item in the loop over the layers.
    if mems is None:
        mems = [None] * len(layers)
    new_mems = ()
    for layer in layers:
        new_mems = new_mems + (layer(out),)
    kept = tuple(m for m in new_mems)
    return mems[0], new_mems, kept, mems[1]

def early_return_either(self, new, held, n, window):
    # transformers 4.50's HybridCache._sliding_update: all the new keys where they overflow the
    # window's slots, the slots elsewhere.
    if n > window:
        return new, new
    return held, held

def early_return_number(self, n):
    if n > 2:
        return 5
    return 7

def returns_in_both_inner_arms(self, n, state):
    # recurrent_gemma's _rnn_scan: the sampling arm returns on every path (an inner `if` whose
    # arms both return); the else arm falls through to the return after it.
    if n == 1:
        if state is None:
            return 1
        else:
            return 2
    else:
        k = 3
    return k

def held_state(self, n):
    # A module's own state: set in one arm of a run-time condition, read after it.
    first = self.kept is None
    if n == 1:
        self.kept = 4
    after = self.kept
    return first, after

def decided_conditions(self, config, layer_idx):
    kind = 0
    if layer_idx >= config.first_dense and (layer_idx + 1) % config.period == 0 and layer_idx < 99:
        kind = 1
    flag = layer_idx == config.first_dense
    return kind, flag, bool(config.period - layer_idx)

def local_imports(self):
    import math
    import os.path as osp
    from math import floor
    return math, osp, floor

def import_fallback(self):
    try:
        import not_installed.ops
        x = 1
    except Exception:
        x = 2
    return x

def config_method(self, config, layers):
    return config.get_text_config(decoder=True), len(layers)


def config_set_attribute(self, config):
    before = config.hidden_size
    config.hidden_size = 7
    return before, config.hidden_size, getattr(config, "hidden_size"), config


def per_layer_views(self, config, layer_idx):
    layer = config.per_layer_config[layer_idx]
    kinds = {kind: 1 for kind in dict.fromkeys(config.layer_types)}
    return layer.head_dim, config.per_layer_config["sliding_attention"].head_dim, kinds, layer.num_key_value_heads


def ranges_as_lists(self, n):
    known = list(range(4))
    stepped = list(range(2, 9, 3))
    backwards = tuple(range(5, 0, -2))
    reversed_symbolic = list(range(n))[::-1]
    return known, stepped, backwards, reversed_symbolic, len(reversed_symbolic)


def tuple_keyed_dict(self, a, b):
    classes = {(False, False): "ff", (True, False): "tf", (False, True): "ft"}
    return classes[(a == 1, b < 3)], classes[(False, True)]


def dict_pop(self, x):
    kwargs = {"cu_seq_lens_q": x, "keep": 2}
    first = kwargs.pop("cu_seq_lens_q", None)
    again = kwargs.pop("cu_seq_lens_q", None)
    kept = kwargs.pop("keep")
    return first, again, kept, kwargs


def weigh_kernel_param(self, n, k):
    m = n
    if n < k:
        m = k
    j = 1
    if k > 2:
        j = 7
    return m, j

def all_and_any(self, n):
    # Python's all/any over a generator: decided item by item; an unknown item decides nothing
    # unless another item decides the whole (all(...) with a False item is False).
    return (all(x > 0 for x in [1, 2]), any(x > 5 for x in [1, 2]), all([]), any([]),
            all([n > 0, False]), all([n > 0, True]), any([n > 0, True]))


def tie_cycle(self, kinds, every):
    ties = {}
    firsts = []
    for i, kind in enumerate(kinds):
        if kind == "h":
            name = f"layers.{i}.shared"
            if not isinstance(firsts, list) or len(firsts) >= every:
                if isinstance(firsts, list):
                    firsts = cycle(firsts)
                ties.update({name: next(firsts)})
            else:
                firsts.append(name)
    ties.update(last=i)
    return ties, next(iter([7, 8])), next(iter([]), None)


def partial_calls(self, x):
    def scale(a, b, by=1, shift=0):
        return a * by + b + shift

    twice = partial(scale, by=2)
    once_more = partial(twice, 3, shift=5)
    return once_more(x), twice(x, 1, by=4)


def dict_filled_by_calls(self, x, y, layer):
    # A dict is one object: what a called function sets in it the caller's names see.
    shared = {}
    alias = shared

    def store(d, v):
        d["kv"] = v

    store(shared, x)
    first = alias["kv"]
    layer(shared)  # the pass reports that this call set "other"
    return first, shared["kv"], alias["other"], y


def stacked_projections(self, h, n):
    temp = [h]
    for i in range(1, n):
        temp.append(h)
    return temp

def grow_by_kinds(self, n, first):
    outputs = []
    more = [first]
    for piece in range(n):
        outputs.append(piece)
        more.append(piece)
    return outputs, more


def item_of_repeated(self, parts, i):
    return parts[i], parts[0]

def dynamic_mask(self, scores, attention_mask):
    # Doge's prepare_dynamic_mask on transformers 4.57: the mask sdpa skips (None where it is not
    # needed) is tested with `is not None`, and the work under that test happens where it exists.
    if attention_mask is not None:
        scores = scores.masked_fill(attention_mask != 0, -1.0)
    missing = attention_mask is None
    return scores, missing

def loop_exits(self, x):
    kept = []
    for i in [0, 1, 2, 3, 4]:
        if i == 1:
            continue
        if i == 3:
            break
        kept.append(i)
        x = self.f(x)
    return kept

def loop_exits_per_layer(self, layers, x):
    for layer in layers:
        if x is None:
            continue
        x = layer(x)
    return x
