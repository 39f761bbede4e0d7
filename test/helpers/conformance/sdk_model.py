"""The request and response model of Alibaba Cloud's official generated Python SDKs, as JSON.

Reads the installed packages' source with `ast` (nothing is imported or called): each client's
`<action>_with_options` gives the wire name, placement (query/body) and encoding of every request parameter
(a `_shrink` parameter is one JSON string; a list is flattened as `X.1`, `X.2`), and models/*.py gives every
field of every request and response model with its wire name (from `to_map`), its type (from `__init__`) and,
where the docstring lists them, its valid values.

Usage: python sdk_model.py [product ...]   (products: alikafka alidns eventbridge; default all)
Output: {"versions": {...}, "products": {product: {"version", "actions": {Action: {...}}, "models": {...}}}}
"""
import ast
import importlib.metadata
import importlib.util
import json
import os
import re
import sys

PACKAGES = {
    'alikafka': ('alibabacloud_alikafka20190916', 'alibabacloud-alikafka20190916'),
    'alidns': ('alibabacloud_alidns20150109', 'alibabacloud-alidns20150109'),
    'eventbridge': ('alibabacloud_eventbridge20200401', 'alibabacloud-eventbridge20200401'),
}

SCALARS = {'str': 'string', 'int': 'integer', 'float': 'number', 'bool': 'boolean', 'Any': 'any', 'bytes': 'string'}


def package_dir(module):
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f'{module} is not installed in this Python ({sys.executable})')
    return list(spec.submodule_search_locations)[0]


def type_of(node):
    """An annotation -> {kind: string|integer|number|boolean|any|list|map|model, items?, ref?}."""
    if node is None:
        return {'kind': 'any'}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return type_of(ast.parse(node.value, mode='eval').body)
    if isinstance(node, ast.Name):
        if node.id in SCALARS:
            return {'kind': SCALARS[node.id]}
        return {'kind': 'model', 'ref': node.id}
    if isinstance(node, ast.Attribute):  # main_models.Foo
        return {'kind': 'model', 'ref': node.attr}
    if isinstance(node, ast.Subscript):
        outer = node.value.id if isinstance(node.value, ast.Name) else getattr(node.value, 'attr', '')
        inner = node.slice
        if outer == 'List':
            return {'kind': 'list', 'items': type_of(inner)}
        if outer == 'Dict':
            value = inner.elts[1] if isinstance(inner, ast.Tuple) else None
            return {'kind': 'map', 'items': type_of(value)}
    return {'kind': 'any'}


def self_attr(node):
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == 'self':
        return node.attr
    return None


VALUE_LINE = re.compile(r'^\s*(?:[-*]|\d+\.)\s+`?([A-Za-z0-9_.:\-]+)`?\s*(?:[:(（,]|$)')


def doc_values(comment_lines):
    """Valid values listed in a field's comment ('Valid values:' then '- X' / '*   X' lines), else None."""
    text = [c.strip() for c in comment_lines]
    for i, line in enumerate(text):
        if re.search(r'valid values|enumerated values|allowed values', line, re.I):
            values = []
            for follow in text[i + 1:]:
                if follow == '':
                    continue
                m = VALUE_LINE.match(follow)
                if m:
                    values.append(m.group(1))
                elif values:
                    break
                elif re.match(r'^[-*]', follow) is None and not follow.endswith(':'):
                    # prose before the list (e.g. 'Valid values: a description'): keep looking a few lines only
                    continue
            return values or None
    return None


def parse_models(models_dir):
    models = {}
    for name in sorted(os.listdir(models_dir)):
        if not name.endswith('.py'):
            continue
        path = os.path.join(models_dir, name)
        with open(path, encoding='utf-8') as f:
            source = f.read()
        lines = source.split('\n')
        for cls in ast.parse(source).body:
            if isinstance(cls, ast.ClassDef):
                models[cls.name] = parse_model(cls, lines)
    return models


def parse_model(cls, lines):
    methods = {f.name: f for f in cls.body if isinstance(f, ast.FunctionDef)}
    init, to_map = methods.get('__init__'), methods.get('to_map')
    types, docs = {}, {}
    if init is not None:
        for arg in init.args.args[1:]:
            types[arg.arg] = type_of(arg.annotation)
        for stmt in init.body:
            if isinstance(stmt, ast.Assign) and self_attr(stmt.targets[0]):
                comments, j = [], stmt.lineno - 2
                while j >= 0 and lines[j].strip().startswith('#'):
                    comments.insert(0, lines[j].strip()[1:])
                    j -= 1
                docs[self_attr(stmt.targets[0])] = comments
    fields = {}
    if to_map is not None:
        for node in ast.walk(to_map):
            if not (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)):
                continue
            attr = self_attr(node.test.left)
            if attr is None or attr not in types:
                continue
            for inner in ast.walk(node):
                if (isinstance(inner, ast.Subscript) and isinstance(inner.value, ast.Name) and inner.value.id == 'result'
                        and isinstance(inner.slice, ast.Constant)):
                    field = dict(types[attr], attr=attr)
                    values = doc_values(docs.get(attr, []))
                    if values:
                        field['values'] = values
                    if any('json' in c.lower() for c in docs.get(attr, [])):
                        field['docMentionsJson'] = True
                    if any(c.strip().lower() == 'this parameter is required.' for c in docs.get(attr, [])):
                        field['required'] = True
                    fields[inner.slice.value] = field
                    break
    return {'fields': fields}


def call_keywords(call):
    return {k.arg: k.value.value for k in call.keywords if isinstance(k.value, ast.Constant)}


def parse_client(client_path, models):
    with open(client_path, encoding='utf-8') as f:
        tree = ast.parse(f.read())
    actions = {}
    for fn in ast.walk(tree):
        if not (isinstance(fn, ast.FunctionDef) and fn.name.endswith('_with_options')):
            continue
        req_arg = next((a for a in fn.args.args if a.arg in ('request', 'tmp_req')), None)
        request_model = type_of(req_arg.annotation).get('ref') if req_arg is not None else None
        response_model = type_of(fn.returns).get('ref')
        shrink, params, info, whole_map = {}, [], {}, None
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                target, call = node.targets[0], node.value
                fname = getattr(call.func, 'attr', '')
                # request.x_shrink = Utils.array_to_string_with_specified_style(tmp_req.x, 'Name', 'json')
                if fname == 'array_to_string_with_specified_style' and self_or_request_attr(target):
                    style = call.args[2].value if len(call.args) > 2 and isinstance(call.args[2], ast.Constant) else 'json'
                    shrink[self_or_request_attr(target)] = style
                if fname == 'Params':
                    info = call_keywords(call)
                # query = Utils.query(request.to_map()): every field of the request model goes in the query
                if isinstance(target, ast.Name) and fname == 'query' and call.args and isinstance(call.args[0], ast.Call) \
                        and getattr(call.args[0].func, 'attr', '') == 'to_map':
                    whole_map = target.id
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
                sub = node.targets[0]
                if isinstance(sub.value, ast.Name) and sub.value.id in ('query', 'body', 'headers') and isinstance(sub.slice, ast.Constant):
                    attr = self_or_request_attr(node.value)
                    params.append({'name': sub.slice.value, 'placement': sub.value.id, 'attr': attr})
        if 'action' not in info:
            continue
        req_fields = models.get(request_model, {}).get('fields', {})
        by_attr = {f['attr']: (name, f) for name, f in req_fields.items()}
        if whole_map and not params:
            params = [{'name': name, 'placement': 'query', 'attr': f['attr']} for name, f in req_fields.items()]
        out = []
        for p in params:
            attr = p['attr'] or ''
            base = attr[:-len('_shrink')] if attr.endswith('_shrink') else attr
            field = by_attr.get(base, (None, {'kind': 'any'}))[1]
            entry = {'name': p['name'], 'placement': p['placement'], 'type': {k: v for k, v in field.items() if k != 'attr'}}
            if attr.endswith('_shrink'):
                entry['encoding'] = 'json' if shrink.get(attr, 'json') == 'json' else shrink[attr]
            else:
                entry['encoding'] = encoding_of(field)
            out.append(entry)
        body_model = None
        if response_model in models:
            body_model = models[response_model]['fields'].get('body', {}).get('ref')
        actions[info['action']] = {
            'method': info.get('method'), 'style': info.get('style'), 'pathname': info.get('pathname'),
            'requestModel': request_model, 'responseModel': body_model,
            'params': sorted(out, key=lambda e: e['name']),
        }
    return actions


def self_or_request_attr(node):
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ('request', 'tmp_req'):
        return node.attr
    return None


def encoding_of(field):
    kind = field.get('kind')
    if kind == 'list':
        return 'list' if field['items'].get('kind') not in ('model', 'map') else 'flat-object-list'
    if kind in ('model', 'map'):
        return 'flat-object'
    return kind


def reachable(models, roots):
    """Only the models the given roots reach, so the output stays small."""
    seen, todo = set(), [r for r in roots if r]
    while todo:
        name = todo.pop()
        if name in seen or name not in models:
            continue
        seen.add(name)
        for f in models[name]['fields'].values():
            t = f
            while t.get('kind') in ('list', 'map'):
                t = t['items']
            if t.get('kind') == 'model':
                todo.append(t['ref'])
    return {n: models[n] for n in sorted(seen)}


def main(argv):
    products = argv or list(PACKAGES)
    out = {'versions': {}, 'products': {}}
    for product in products:
        module, dist = PACKAGES[product]
        root = package_dir(module)
        out['versions'][dist] = importlib.metadata.version(dist)
        models = parse_models(os.path.join(root, 'models'))
        actions = parse_client(os.path.join(root, 'client.py'), models)
        roots = [a['requestModel'] for a in actions.values()] + [a['responseModel'] for a in actions.values()]
        version = next((a for a in ast.walk(ast.parse(open(os.path.join(root, 'client.py'), encoding='utf-8').read()))
                        if isinstance(a, ast.keyword) and a.arg == 'version' and isinstance(a.value, ast.Constant)), None)
        out['products'][product] = {
            'version': version.value.value if version else None,
            'actions': dict(sorted(actions.items())),
            'models': reachable(models, roots),
        }
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main(sys.argv[1:])
