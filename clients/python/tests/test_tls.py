import ssl
import unittest

from mesos import tls


class TlsEnvironmentTest(unittest.TestCase):
    def test_off_without_variables(self):
        self.assertFalse(tls.enabled({}))
        self.assertIsNone(tls.client_context({}))

    def test_booleans_as_libprocess_reads_them(self):
        self.assertTrue(tls.enabled({"LIBPROCESS_SSL_ENABLED": "1"}))
        self.assertTrue(tls.enabled({"SSL_ENABLED": "true"}))
        self.assertFalse(tls.enabled({"SSL_ENABLED": "true", "LIBPROCESS_SSL_ENABLED": "0"}))
        with self.assertRaisesRegex(ValueError, "LIBPROCESS_SSL_ENABLED='yes' is not a boolean"):
            tls.enabled({"LIBPROCESS_SSL_ENABLED": "yes"})

    def test_enabled_needs_certificate_and_key(self):
        with self.assertRaisesRegex(ValueError, "set LIBPROCESS_SSL_KEY_FILE"):
            tls.client_context({"LIBPROCESS_SSL_ENABLED": "true", "LIBPROCESS_SSL_CERT_FILE": "/c.pem"})
        with self.assertRaisesRegex(ValueError, "set LIBPROCESS_SSL_CERT_FILE"):
            tls.client_context({"LIBPROCESS_SSL_ENABLED": "true", "LIBPROCESS_SSL_KEY_FILE": "/k.pem"})

    def test_a_missing_certificate_file_is_an_error(self):
        with self.assertRaises((OSError, ssl.SSLError)):
            tls.client_context({"LIBPROCESS_SSL_ENABLED": "true", "LIBPROCESS_SSL_CERT_FILE": "/nonexistent.pem",
                                "LIBPROCESS_SSL_KEY_FILE": "/nonexistent.pem"})


if __name__ == "__main__":
    unittest.main()
