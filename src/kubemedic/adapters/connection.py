"""Why an HTTP request got no answer, in words a person can act on.

Every client kubemedic has (the API server, webhooks) reports a refused connection, a failed DNS
lookup, a TLS problem or a timeout the same way, from the urllib3 exception and the OS error
underneath it.
"""

from __future__ import annotations

import errno
import ssl

import urllib3.exceptions as http_errors


def connection_failure(exc: Exception, timeout: float) -> str:
    """What stopped a request before any answer: refused, DNS, TLS, timeout, a broken connection."""
    if isinstance(exc, http_errors.NameResolutionError):
        host = getattr(exc.conn, "host", "") or "the host name"
        return f"DNS lookup of {host} failed ({_os_reason(exc)})"
    if isinstance(exc, http_errors.NewConnectionError):
        refused = isinstance(exc.__cause__ or exc.__context__, ConnectionRefusedError)
        return "connection refused" if refused else f"cannot connect ({_os_reason(exc)})"
    if isinstance(exc, http_errors.ConnectTimeoutError):
        return f"no connection within {timeout:g}s (connect timeout)"
    if isinstance(exc, http_errors.ReadTimeoutError):
        return f"no answer within {timeout:g}s (read timeout)"
    if isinstance(exc, http_errors.SSLError):
        inner = exc.__cause__ or exc.__context__ or exc
        if isinstance(inner, ssl.SSLCertVerificationError):
            return f"TLS certificate verification failed ({inner.verify_message})"
        return f"TLS handshake failed ({inner})"
    if isinstance(exc, http_errors.ProxyError):
        return f"the proxy failed ({exc})"
    if isinstance(exc, http_errors.ProtocolError):
        return f"the connection broke ({_os_reason(exc)})"
    return str(exc)


def _os_reason(exc: BaseException) -> str:
    inner = exc.__cause__ or exc.__context__
    if isinstance(inner, OSError) and inner.errno is not None:
        return inner.strerror or errno.errorcode.get(inner.errno, str(inner.errno))
    if isinstance(exc, http_errors.ProtocolError) and len(exc.args) > 1:
        return str(exc.args[1])
    return str(inner or exc)
