"""TLS configured as libprocess reads it: LIBPROCESS_SSL_* (or the pre-1.0 SSL_*) variables.

With LIBPROCESS_SSL_ENABLED=true the masters and agents speak HTTPS, so addresses given without
a scheme are https, and connections present LIBPROCESS_SSL_CERT_FILE/KEY_FILE and trust
LIBPROCESS_SSL_CA_FILE/CA_DIR (the system's roots when neither is set). The server's certificate
is verified only with LIBPROCESS_SSL_VERIFY_SERVER_CERT (or the legacy VERIFY_CERT, or
REQUIRE_CLIENT_CERT/REQUIRE_CERT), as in libprocess.
"""

import os
import ssl

_PREFIXES = ("SSL_", "LIBPROCESS_SSL_")


def _lookup(environ, names):
    found = None
    for prefix in _PREFIXES:
        for name in names:
            if prefix + name in environ:
                found = (environ[prefix + name], prefix + name)
    return found


def _bool(environ, names):
    found = _lookup(environ, names)
    if found is None:
        return False
    value, variable = found
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ValueError("%s=%r is not a boolean; use true, false, 1 or 0" % (variable, value))


def _path(environ, name):
    found = _lookup(environ, [name])
    return found[0] if found and found[0] else None


def enabled(environ=None):
    """Whether the environment turns TLS on (LIBPROCESS_SSL_ENABLED / SSL_ENABLED)."""
    return _bool(os.environ if environ is None else environ, ["ENABLED"])


def client_context(environ=None):
    """An ssl.SSLContext for connections to masters and agents, or None when TLS is off."""
    environ = os.environ if environ is None else environ
    if not _bool(environ, ["ENABLED"]):
        return None
    cert = _path(environ, "CERT_FILE")
    key = _path(environ, "KEY_FILE")
    if key is None:
        raise ValueError("LIBPROCESS_SSL_ENABLED=true needs a private key; set LIBPROCESS_SSL_KEY_FILE to its path")
    if cert is None:
        raise ValueError("LIBPROCESS_SSL_ENABLED=true needs a certificate; set LIBPROCESS_SSL_CERT_FILE to its path")
    require = _bool(environ, ["REQUIRE_CERT", "REQUIRE_CLIENT_CERT"])
    verify = _bool(environ, ["VERIFY_CERT", "VERIFY_SERVER_CERT"]) or require
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_cert_chain(cert, key)
    ca_file = _path(environ, "CA_FILE")
    ca_dir = _path(environ, "CA_DIR")
    if ca_file or ca_dir:
        context.load_verify_locations(cafile=ca_file, capath=ca_dir)
    else:
        context.load_default_certs()
    context.check_hostname = verify
    context.verify_mode = ssl.CERT_REQUIRED if verify else ssl.CERT_NONE
    return context
