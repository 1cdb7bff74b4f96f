# Status errors worded exactly as kube-apiserver v1.32 words them
# (k8s.io/apimachinery pkg/api/errors). Each constructor returns an ApiError
# carrying the metav1.Status body and its HTTP code; handlers raise it and the
# server renders it. No HTTP or storage logic lives here.
import json


class ApiError(Exception):
    """A metav1.Status failure, raised by handlers and rendered by server."""

    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def body(self):
        return status_body(self.code, self.reason, self.message,
                           self.details)


def status_body(code, reason, message, details=None):
    """metav1.Status in Go field order: kind, apiVersion, metadata, status,
    message, reason, details, code (empty reason/details omitted)."""
    st = {"kind": "Status", "apiVersion": "v1", "metadata": {},
          "status": "Failure" if code >= 300 else "Success"}
    if message:
        st["message"] = message
    if reason:
        st["reason"] = reason
    if details is not None:
        st["details"] = details
    st["code"] = code
    return st


def qualified(resource, group):
    """GroupResource.String(): deployments.apps, pods."""
    return resource + "." + group if group else resource


def _details(name, group, kind, **extra):
    d = {}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    d["kind"] = kind
    d.update(extra)
    return d


def not_found(resource, group, name):
    return ApiError(404, "NotFound",
                    '%s "%s" not found' % (qualified(resource, group), name),
                    _details(name, group, resource))


def already_exists(resource, group, name):
    return ApiError(409, "AlreadyExists",
                    '%s "%s" already exists' % (qualified(resource, group),
                                                name),
                    _details(name, group, resource))


def conflict(resource, group, name):
    return ApiError(409, "Conflict",
                    'Operation cannot be fulfilled on %s "%s": the object has '
                    'been modified; please apply your changes to the latest '
                    'version and try again' % (qualified(resource, group),
                                               name),
                    _details(name, group, resource))


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def unauthorized():
    return ApiError(401, "Unauthorized", "Unauthorized")


def forbidden(resource, group, name, why):
    q = qualified(resource, group)
    msg = ('%s "%s" is forbidden: %s' % (q, name, why) if name
           else "%s is forbidden: %s" % (q, why))
    return ApiError(403, "Forbidden", msg, _details(name, group, resource))


def method_not_supported(resource, group, action):
    return ApiError(405, "MethodNotAllowed",
                    "%s is not supported on resources of kind %s"
                    % (action, json.dumps(qualified(resource, group))),
                    _details("", group, resource))


def unsupported_media_type(accepted):
    return ApiError(415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - "
                    "accepted media types include: " + ", ".join(accepted))


def internal_error(reason_text):
    return ApiError(500, "InternalError",
                    "Internal error occurred: %s" % reason_text,
                    {"causes": [{"message": reason_text}]})


def path_not_found():
    return ApiError(404, "NotFound",
                    "the server could not find the requested resource",
                    {})


# field.Error types (k8s.io/apimachinery/pkg/util/validation/field)
def go_value(v):
    """How field.Invalid prints a value (%#v-ish for the common cases)."""
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, dict):
        inner = ", ".join('"%s":%s' % (k, json.dumps(v[k]) if isinstance(
            v[k], str) else go_value(v[k])) for k in sorted(v))
        return "map[string]string{%s}" % inner
    return str(v)


def field_required(path, detail=""):
    body = "Required value" + (": " + detail if detail else "")
    return {"reason": "FieldValueRequired", "message": body, "field": path}


def field_invalid(path, value, detail):
    body = "Invalid value: %s: %s" % (go_value(value), detail)
    return {"reason": "FieldValueInvalid", "message": body, "field": path}


def field_unsupported(path, value, supported):
    body = "Unsupported value: %s: supported values: %s" % (
        go_value(value), ", ".join(json.dumps(s) for s in supported))
    return {"reason": "FieldValueNotSupported", "message": body,
            "field": path}


def field_forbidden(path, detail):
    return {"reason": "FieldValueForbidden", "message": "Forbidden: " + detail,
            "field": path}


def field_duplicate(path, value):
    return {"reason": "FieldValueDuplicate",
            "message": "Duplicate value: " + go_value(value), "field": path}


def invalid(kind, group, name, errs):
    """NewInvalid: `Deployment.apps "web" is invalid: <errs>` with causes."""
    texts = ["%s: %s" % (e["field"], e["message"]) for e in errs]
    agg = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    qk = kind + "." + group if group else kind
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (qk, name, agg),
                    _details(name, group, kind, causes=errs))
