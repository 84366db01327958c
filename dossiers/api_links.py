"""OpenAPI links between the dossier operations (a drf-spectacular postprocessing hook): what a
client — or schemathesis's stateful run — does next with the code a response gives it."""

_CODE_FROM_BODY = {"code": "$response.body#/code"}
_FIRST_IN_LIST = {"code": "$response.body#/results/0/code"}

LINKS = {
    ("/api/v1/dossiers/", "post", "201"): {
        "GetDossier": ("/api/v1/dossiers/{code}/", "get", _CODE_FROM_BODY),
        "WithdrawDossier": ("/api/v1/dossiers/{code}/withdraw/", "post", _CODE_FROM_BODY),
        "RateDossier": ("/api/v1/dossiers/{code}/rate/", "post", _CODE_FROM_BODY),
    },
    ("/api/v1/dossiers/{code}/withdraw/", "post", "200"): {
        "RateWithdrawn": ("/api/v1/dossiers/{code}/rate/", "post", _CODE_FROM_BODY),
    },
    ("/api/v1/queue/", "get", "200"): {
        "GetQueueDossier": ("/api/v1/queue/{code}/", "get", _FIRST_IN_LIST),
        "ActOnQueueDossier": ("/api/v1/queue/{code}/actions/{action}/", "post", _FIRST_IN_LIST),
    },
    ("/api/v1/queue/{code}/", "get", "200"): {
        "ActOnDossier": ("/api/v1/queue/{code}/actions/{action}/", "post", _CODE_FROM_BODY),
    },
    ("/api/v1/dossiers/", "get", "200"): {
        "GetListedDossier": ("/api/v1/dossiers/{code}/", "get", _FIRST_IN_LIST),
    },
}


def _operation_id(result, path, method) -> str | None:
    return (result.get("paths", {}).get(path, {}).get(method) or {}).get("operationId")


def add_links(result, generator, request, public):
    for (path, method, code), links in LINKS.items():
        response = ((result.get("paths", {}).get(path, {}).get(method) or {}).get("responses") or {}).get(code)
        if response is None:
            continue
        out = response.setdefault("links", {})
        for name, (target_path, target_method, parameters) in links.items():
            operation_id = _operation_id(result, target_path, target_method)
            if operation_id:
                out[name] = {"operationId": operation_id, "parameters": dict(parameters)}
    return result
