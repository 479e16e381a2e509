"""Qualified name -> object, source file, line ranges, source and AST; module-globals look-up."""

import ast
import builtins
import functools
import importlib
import inspect
import json
import math
import sys
import textwrap

from .ast_data import to_data


def _import_object(name):
    """Imports the longest importable module prefix of `name`, then follows attributes."""
    parts = name.split(".")
    # Fast path: the longest prefix already imported (no failed imports, which search sys.path).
    for i in range(len(parts), 0, -1):
        module = sys.modules.get(".".join(parts[:i]))
        if module is None:
            continue
        obj = module
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
            return obj
        except AttributeError:
            break
    for i in range(len(parts), 0, -1):
        module_name = ".".join(parts[:i])
        try:
            obj = importlib.import_module(module_name)
        except ImportError:
            continue
        except Exception as e:  # a module that exists but fails to import
            raise LookupError(f"importing '{module_name}' failed: {type(e).__name__}: {e}") from None
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            break
        return obj
    # Bare names: the public namespaces of transformers and torch.
    if len(parts) == 1:
        for root in ("transformers", "torch", "torch.nn"):
            module = importlib.import_module(root)
            try:
                return getattr(module, name)
            except AttributeError:
                continue
    raise LookupError(f"no such class or function: '{name}'")


def _qualname(obj):
    module = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if module and qual:
        return f"{module}.{qual}"
    return qual


@functools.lru_cache(maxsize=None)
def _file_tree(path):
    with open(path, encoding="utf-8") as f:
        return ast.parse(f.read(), filename=path)


def _find_class_node(tree, qualname_path):
    body = tree.body
    node = None
    for part in qualname_path.split("."):
        node = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == part), None)
        if node is None:
            return None
        body = node.body
    return node


def _line_range(node):
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return [start, node.end_lineno]


def _function_data(node, file, module, owner, col_offset=0):
    lines = _line_range(node)
    source_lines = _source_lines(file)
    return {
        "name": node.name,
        "owner": owner,
        "module": module,
        "file": file,
        "lines": lines,
        "def_line": node.lineno,
        "source": "\n".join(source_lines[lines[0] - 1 : lines[1]]),
        "ast": to_data(node, col_offset),
    }


@functools.lru_cache(maxsize=None)
def _source_lines(file):
    with open(file, encoding="utf-8") as f:
        return f.read().splitlines()


def _function_node(fn):
    """The FunctionDef of a Python function, parsed from its own source lines only (parsing a
    whole 5,000-line module for one function is what makes a cold analysis slow), with the line
    numbers of the file and the indentation to add back to column numbers."""
    lines, start = inspect.getsourcelines(fn)
    indent = len(lines[0]) - len(lines[0].lstrip())
    tree = ast.parse(textwrap.dedent("".join(lines)))
    node = tree.body[0]
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None, 0
    ast.increment_lineno(tree, start - 1)
    return node, indent


def _method(cls, name):
    """The definition of method `name` that `cls` uses, following the MRO; None if only
    torch.nn.Module (or object) provides it."""
    import torch

    for klass in cls.__mro__:
        if klass in (torch.nn.Module, object):
            return None
        if name in klass.__dict__:
            fn = klass.__dict__[name]
            if isinstance(fn, (staticmethod, classmethod)):
                fn = fn.__func__
            fn = inspect.unwrap(fn) if callable(fn) else fn
            if not inspect.isfunction(fn):  # assigned rather than defined (forward = other_forward)
                return None
            file = inspect.getsourcefile(fn)
            if file is None:
                return None
            node, indent = _function_node(fn)
            if node is None or node.name != name:
                return None
            return _function_data(node, file, klass.__module__, _qualname(klass), indent)
    return None


def _describe_class(cls):
    import torch

    file = inspect.getsourcefile(cls)
    node = _find_class_node(_file_tree(file), cls.__qualname__) if file else None
    return {
        "kind": "class",
        "qualname": _qualname(cls),
        "module": cls.__module__,
        "file": file,
        "lines": _line_range(node) if node else None,
        "is_module": issubclass(cls, torch.nn.Module),
        "mro": [_qualname(k) for k in cls.__mro__],
        "methods": {name: _method(cls, name) for name in ("__init__", "forward")},
        "tied_weights": _tied_weights(cls),
        "default_dynamic_cache": _default_dynamic_cache(cls),
    }


def _default_dynamic_cache(cls):
    """Whether transformers' generate starts this class with a DynamicCache of its own making: its
    `_supports_default_dynamic_cache()` (False for a model with a cache class of its own or state
    it returns in its output: generate starts it with none and carries what its forward returns).
    True where the class has no such classmethod (4.x: a method of an instance, and the design's
    call there)."""
    supports = getattr(cls, "_supports_default_dynamic_cache", None)
    try:
        return bool(supports()) if supports is not None else True
    except TypeError:
        return True


def _tied_weights(cls):
    """[[target, source], ...] of the class's `_tied_weights_keys`: a dict target -> source
    (transformers 5) or a list of targets tied to the input embeddings (4.x, source null)."""
    keys = getattr(cls, "_tied_weights_keys", None)
    if isinstance(keys, dict):
        return [[str(k), str(v)] for k, v in keys.items()]
    if isinstance(keys, (list, tuple)):
        return [[str(k), None] for k in keys]
    return []


def _describe_function(fn):
    fn = inspect.unwrap(fn)
    file = inspect.getsourcefile(fn)
    node, indent = _function_node(fn)
    if node is None or file is None:
        raise LookupError(f"no source for function '{_qualname(fn)}'")
    data = _function_data(node, file, fn.__module__, None, indent)
    data.update({"kind": "function", "qualname": _qualname(fn), "closure": _closure(fn)})
    return data


def _closure(fn):
    """What the free variables of a function a factory made refer to (its closure cells:
    _ntuple(n)'s parse reads n), each described as a global name is; an empty cell is left out."""
    cells = {}
    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
        try:
            value = cell.cell_contents
        except ValueError:  # not yet assigned
            continue
        cells[name] = _reference(value, name)
    return cells


def describe(name):
    """JSON: what `name` (a qualified class or function name) is and where its source lies."""
    obj = _import_object(name)
    if isinstance(obj, property) and obj.fget is not None:  # a config's computed attribute: its getter
        obj = obj.fget
    if inspect.ismethod(obj) and inspect.isclass(obj.__self__):  # a classmethod: its function (`cls` first)
        obj = obj.__func__
    try:
        if inspect.isclass(obj):
            return json.dumps(_describe_class(obj))
        if inspect.isfunction(obj) or inspect.isfunction(inspect.unwrap(obj)):
            return json.dumps(_describe_function(obj))
    except OSError as e:  # inspect finds no source (a class made at run time): say which
        raise LookupError(f"'{name}': {e}") from e
    raise LookupError(f"'{name}' is a {type(obj).__name__}, not a class or function with Python source")


def _reference(obj, path):
    """Plain-data description of what a global name refers to."""
    import torch

    if isinstance(obj, float) and not math.isfinite(obj):
        # torch.inf, math.nan: JSON has no such number, and no size or count is one.
        return {"kind": "other", "type": "float", "path": path}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"kind": "constant", "value": obj, "path": path}
    if inspect.ismodule(obj):
        return {"kind": "module", "qualname": obj.__name__, "path": path}
    name = getattr(obj, "__name__", "")
    if isinstance(name, str) and getattr(builtins, name, None) is obj:
        return {"kind": "builtin", "qualname": name, "path": path}
    if inspect.isclass(obj):
        return {
            "kind": "class",
            "qualname": _qualname(obj),
            "path": path,
            "is_module": issubclass(obj, torch.nn.Module),
        }
    if isinstance(obj, torch.nn.Module):
        return {"kind": "instance", "qualname": _qualname(type(obj)), "path": path, "is_module": True}
    if callable(obj):
        unwrapped = inspect.unwrap(obj) if inspect.isfunction(obj) else obj
        has_source = inspect.isfunction(unwrapped)
        return {
            "kind": "function" if has_source else "native_function",
            "qualname": _qualname(unwrapped),
            "path": path,
        }
    if isinstance(obj, (tuple, list)) and all(isinstance(v, (bool, int, float, str)) or v is None for v in obj):
        return {"kind": "constant", "value": list(obj), "path": path}
    return {"kind": "other", "type": _qualname(type(obj)), "path": path}


def resolve_global(module_name, dotted, key=None):
    """JSON: what `dotted` (e.g. "nn.Linear", "ACT2FN", "F.softmax") means in module
    `module_name`'s globals (or builtins); with `key`, the entry `dotted[key]` of a mapping."""
    module = sys.modules.get(module_name) or importlib.import_module(module_name)
    parts = dotted.split(".")
    namespace = vars(module)
    if parts[0] in namespace:
        obj = namespace[parts[0]]
    elif hasattr(builtins, parts[0]):
        obj = getattr(builtins, parts[0])
    else:
        return json.dumps({"kind": "missing", "path": dotted})
    path = obj.__name__ if inspect.ismodule(obj) else None
    for part in parts[1:]:
        try:  # an attribute that raises (torch.classes.<ns>.<unregistered>) is not there
            obj = getattr(obj, part)
        except Exception:  # noqa: BLE001
            return json.dumps({"kind": "missing", "path": dotted})
        path = f"{path}.{part}" if path else None
    if key is not None:
        try:
            obj = obj[key]
        except Exception:
            return json.dumps({"kind": "missing", "path": f"{dotted}[{key!r}]"})
        path = None
    if path is None:
        path = _qualname(obj) if not isinstance(obj, (bool, int, float, str, type(None))) else None
    path = path or dotted
    ref = _reference(obj, path)
    try:  # an object whose attribute look-up raises (torch.classes.<ns>) is no autograd function
        owner = getattr(obj, "__self__", None) if getattr(obj, "__name__", None) == "apply" else None
    except Exception:  # noqa: BLE001
        owner = None
    if inspect.isclass(owner):
        import torch

        if issubclass(owner, torch.autograd.Function) and owner is not torch.autograd.Function:
            # A custom autograd function's apply (Bloom's GeLUFunction.apply(x)): the path names the
            # subclass, whose static forward(ctx, *args) is what runs.
            ref["path"] = f"{_qualname(owner)}.apply"
    if ref["kind"] == "function" and "<locals>" in ref["qualname"] and key is None:
        # A function a factory made (torch's _single = _ntuple(1)): its qualified name
        # (_ntuple.<locals>.parse) imports nothing; the global it was reached by does.
        ref["qualname"] = ref["path"] = f"{module_name}.{dotted}"
    return json.dumps(ref)


def canonical_names(names_json):
    """JSON {name: canonical qualified name} for the dotted names of `names_json` (a JSON list)
    that import to a class or function whose canonical name differs ("torch.nn.Linear" ->
    "torch.nn.modules.linear.Linear"); names that do not import are left out."""
    out = {}
    for name in json.loads(names_json):
        if name.split(".")[0] not in sys.modules:  # "F.linear", "operator.mul": not a module path here
            continue
        try:
            obj = _import_object(name)
        except Exception:
            continue
        if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj):
            canonical = _qualname(obj)
            if canonical and canonical != name:
                out[name] = canonical
    return json.dumps(out)


def attention_registry():
    """The mutable mapping transformers keeps its attention functions in, implementation key ->
    function: AttentionInterface's global mapping, or (older 4.x) the ALL_ATTENTION_FUNCTIONS dict."""
    from transformers import modeling_utils

    interface = getattr(modeling_utils, "AttentionInterface", None)
    if interface is not None and hasattr(interface, "_global_mapping"):
        return interface._global_mapping
    return modeling_utils.ALL_ATTENTION_FUNCTIONS


def attention_functions():
    """JSON {qualified name: implementation key} of the attention functions registered in
    transformers' attention registry (what `ALL_ATTENTION_FUNCTIONS[impl]` returns)."""
    return json.dumps({_qualname(fn): key for key, fn in attention_registry().items()})


def source_file_ast(file):
    """JSON: the AST of a whole source file (module-level functions and classes)."""
    return json.dumps(to_data(_file_tree(file)))


def _plain(value):
    return value is None or isinstance(value, (bool, int, float, str))


def _self_assignments(fn, closure):
    """{attr: value} for the `self.attr = <name or constant>` statements of `fn`'s source, names
    taken from its closure (plain values only)."""
    lines, _ = inspect.getsourcelines(fn.__code__)
    out = {}
    for node in ast.walk(ast.parse(textwrap.dedent("".join(lines)))):
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"):
            continue
        if isinstance(node.value, ast.Constant) and _plain(node.value.value):
            out[target.attr] = node.value.value
        elif isinstance(node.value, ast.Name) and node.value.id in closure and _plain(closure[node.value.id]):
            out[target.attr] = closure[node.value.id]
    return out


def forward_dispatch(name):
    """JSON: how class `name`'s forward is chosen at run time when a decorator replaced it with
    `interface.get_interface(self.config.<attribute>, original_forward)` (transformers'
    use_experts_implementation): {"config_attribute", "functions": {key: qualified name},
    "attributes": {attr: value}} -- the functions registered in the interface, and the plain
    values the decorator's __init__ sets on self. {} when forward is the class's own."""
    cls = _import_object(name)
    forward = getattr(cls, "forward", None)
    if not inspect.isfunction(forward) or not hasattr(forward, "__wrapped__"):
        return json.dumps({})
    closure = inspect.getclosurevars(forward).nonlocals
    interfaces = [v for v in closure.values() if isinstance(getattr(v, "_global_mapping", None), dict)]
    if len(interfaces) != 1:
        return json.dumps({})
    lines, _ = inspect.getsourcelines(forward.__code__)
    attribute = None
    for node in ast.walk(ast.parse(textwrap.dedent("".join(lines)))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get_interface":
            arg = node.args[0] if node.args else None
            if (isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Attribute)
                    and isinstance(arg.value.value, ast.Name) and arg.value.value.id == "self" and arg.value.attr == "config"):
                attribute = arg.attr
    if attribute is None:
        return json.dumps({})
    functions = {key: _qualname(fn) for key, fn in interfaces[0]._global_mapping.items() if callable(fn)}
    init = getattr(cls, "__init__", None)
    attributes = {}
    if inspect.isfunction(init) and hasattr(init, "__wrapped__"):
        attributes = _self_assignments(init, inspect.getclosurevars(init).nonlocals)
    return json.dumps({"config_attribute": attribute, "functions": functions, "attributes": attributes})
