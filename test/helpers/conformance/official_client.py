"""Replays kafka-dr's calls through Alibaba Cloud's OFFICIAL generated SDK clients against an endpoint (the emulator).

stdin: {"url": "http://127.0.0.1:18080", "accessKeyId", "accessKeySecret", "signature": "v1" | "v3",
        "steps": [{"product", "region", "action", "params"}]}
A step's params are the official request model's input (wire names); a string "{{i.Field}}" is replaced by
Field of step i's answer. v1 is the RPC signature (HMAC-SHA1, SignatureVersion 1.0: Config.signature_algorithm
'v2' selects tea-openapi's do_rpcrequest); v3 is the SDK default (ACS3-HMAC-SHA256 in the Authorization header).
The endpoint carries the product and region in its path (/alikafka/<region>, /alidns, /eventbridge/<region>):
the SDKs build the URL as protocol://endpoint + pathname and sign pathname '/'.

stdout: one JSON result per step: ok, the raw answer, the answer as the official response model reads it back
(from_map then to_map), `extra` (answer keys the model lacks), `dropped` (request keys the request model lacks),
or the error (code, message, HTTP status).
"""
import copy
import importlib
import json
import re
import sys

from alibabacloud_tea_openapi import models as open_api_models
from darabonba.runtime import RuntimeOptions

MODULES = {
    'alikafka': 'alibabacloud_alikafka20190916',
    'alidns': 'alibabacloud_alidns20150109',
    'eventbridge': 'alibabacloud_eventbridge20200401',
}
PLACEHOLDER = re.compile(r'^\{\{(\d+)\.(\w+)\}\}$')


def snake(action):
    return re.sub(r'(?<!^)(?=[A-Z])', '_', action).lower()


def missing(have, kept, path=''):
    """Paths present in `have` (non-null) but absent from `kept`."""
    out = []
    if isinstance(have, dict):
        kept = kept if isinstance(kept, dict) else {}
        for k, v in have.items():
            if v is None:
                continue
            p = f'{path}.{k}' if path else k
            if k not in kept:
                out.append(p)
            else:
                out.extend(missing(v, kept[k], p))
    elif isinstance(have, list):
        kept = kept if isinstance(kept, list) else []
        for i, v in enumerate(have):
            out.extend(missing(v, kept[i] if i < len(kept) else None, f'{path}[]'))
    return sorted(set(out))


def resolve(value, results):
    if isinstance(value, str):
        m = PLACEHOLDER.match(value)
        if m:
            answer = results[int(m.group(1))].get('answer') or {}
            return answer.get(m.group(2))
        return value
    if isinstance(value, list):
        return [resolve(v, results) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, results) for k, v in value.items()}
    return value


def endpoint(url, product, region):
    host = re.sub(r'^https?://', '', url).rstrip('/')
    return f'{host}/{product}/{region}' if product != 'alidns' else f'{host}/alidns'


def main():
    job = json.load(sys.stdin)
    clients, results = {}, []
    for step in job['steps']:
        product, action = step['product'], step['action']
        module = importlib.import_module(MODULES[product] + '.client')
        models = importlib.import_module(MODULES[product] + '.models')
        key = (product, step.get('region'))
        if key not in clients:
            config = open_api_models.Config(
                access_key_id=job['accessKeyId'], access_key_secret=job['accessKeySecret'],
                endpoint=endpoint(job['url'], product, step.get('region') or ''), protocol='http',
                region_id=step.get('region') or 'cn-hangzhou', read_timeout=60000, connect_timeout=5000,
            )
            if job['signature'] == 'v1':
                config.signature_algorithm = 'v2'
            clients[key] = module.Client(config)
        client = clients[key]
        params = resolve(step['params'], results)
        request = getattr(models, f'{action}Request')().from_map(copy.deepcopy(params))
        result = {'action': action, 'dropped': missing(params, request.to_map())}
        raw = {}

        def spy(p, req, runtime, _orig=type(client).call_api, _client=client):
            answer = _orig(_client, p, req, runtime)
            raw['body'] = copy.deepcopy(answer.get('body')) if isinstance(answer, dict) else None
            return answer

        client.call_api = spy
        try:
            response = getattr(client, f'{snake(action)}_with_options')(request, RuntimeOptions(autoretry=False))
            parsed = response.body.to_map() if response.body is not None else None
            result.update(ok=True, answer=raw.get('body'), parsed=parsed, extra=missing(raw.get('body'), parsed))
        except Exception as e:  # the SDK's ClientException/ServerException carry code, message and the HTTP status
            data = getattr(e, 'data', None) or {}
            result.update(ok=False, error={
                'type': type(e).__name__, 'code': getattr(e, 'code', None), 'message': str(getattr(e, 'message', '') or e)[:500],
                'statusCode': getattr(e, 'status_code', None) or (data.get('statusCode') if isinstance(data, dict) else None),
            })
        results.append(result)
    json.dump(results, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
