package io.mesosts.v1;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS configured as libprocess reads it: the {@code LIBPROCESS_SSL_*} variables (or the pre-1.0
 * {@code SSL_*}). With {@code LIBPROCESS_SSL_ENABLED=true} addresses without a scheme are https,
 * connections present {@code LIBPROCESS_SSL_CERT_FILE}/{@code KEY_FILE} (PEM; the key PKCS#8 or
 * PKCS#1 RSA) and trust {@code LIBPROCESS_SSL_CA_FILE} or the certificates in
 * {@code LIBPROCESS_SSL_CA_DIR} (the JDK's roots when neither is set). The server certificate
 * and its name are checked only with {@code VERIFY_SERVER_CERT} (or {@code VERIFY_CERT},
 * {@code REQUIRE_CLIENT_CERT}, {@code REQUIRE_CERT}), as in libprocess.
 */
public final class Tls {
    /** The sockets to use and whether the server's name is checked; null when TLS is off. */
    public static final class Config {
        public final SSLSocketFactory factory;
        public final boolean verifyServer;

        Config(SSLSocketFactory factory, boolean verifyServer) {
            this.factory = factory;
            this.verifyServer = verifyServer;
        }
    }

    private static final String[] PREFIXES = {"SSL_", "LIBPROCESS_SSL_"};
    private static final Pattern PEM =
        Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");
    private static Config fromEnvironment;
    private static boolean loaded;

    private Tls() {}

    private static String[] lookup(Map<String, String> env, String... names) {
        String[] found = null;
        for (String prefix : PREFIXES) {
            for (String name : names) {
                String value = env.get(prefix + name);
                if (value != null) {
                    found = new String[] {value, prefix + name};
                }
            }
        }
        return found;
    }

    static boolean bool(Map<String, String> env, String... names) {
        String[] found = lookup(env, names);
        if (found == null) {
            return false;
        }
        if ("true".equals(found[0]) || "1".equals(found[0])) {
            return true;
        }
        if ("false".equals(found[0]) || "0".equals(found[0])) {
            return false;
        }
        throw new IllegalArgumentException(found[1] + "='" + found[0] + "' is not a boolean; use true, false, 1 or 0");
    }

    private static String path(Map<String, String> env, String name) {
        String[] found = lookup(env, name);
        return found == null || found[0].isEmpty() ? null : found[0];
    }

    public static boolean enabled(Map<String, String> env) {
        return bool(env, "ENABLED");
    }

    /** This process's TLS from its environment, read once; null when TLS is off. */
    public static synchronized Config fromEnvironment() throws IOException {
        if (!loaded) {
            fromEnvironment = load(System.getenv());
            loaded = true;
        }
        return fromEnvironment;
    }

    public static Config load(Map<String, String> env) throws IOException {
        if (!enabled(env)) {
            return null;
        }
        String cert = path(env, "CERT_FILE");
        String key = path(env, "KEY_FILE");
        if (key == null) {
            throw new IllegalArgumentException("LIBPROCESS_SSL_ENABLED=true needs a private key; set LIBPROCESS_SSL_KEY_FILE to its path");
        }
        if (cert == null) {
            throw new IllegalArgumentException("LIBPROCESS_SSL_ENABLED=true needs a certificate; set LIBPROCESS_SSL_CERT_FILE to its path");
        }
        boolean verify = bool(env, "VERIFY_CERT", "VERIFY_SERVER_CERT") || bool(env, "REQUIRE_CERT", "REQUIRE_CLIENT_CERT");
        try {
            KeyStore keys = KeyStore.getInstance(KeyStore.getDefaultType());
            keys.load(null, null);
            List<Certificate> chain = certificates(read(cert));
            keys.setKeyEntry("node", privateKey(read(key)), new char[0], chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
            TrustManager[] trust;
            if (!verify) {
                trust = new TrustManager[] {new TrustAll()};
            } else {
                List<Certificate> cas = new ArrayList<Certificate>();
                String caFile = path(env, "CA_FILE");
                String caDir = path(env, "CA_DIR");
                if (caFile != null) {
                    cas.addAll(certificates(read(caFile)));
                }
                if (caDir != null) {
                    File[] files = new File(caDir).listFiles();
                    for (File f : files == null ? new File[0] : files) {
                        if (f.isFile()) {
                            cas.addAll(certificates(new String(Files.readAllBytes(f.toPath()), StandardCharsets.US_ASCII)));
                        }
                    }
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                if (cas.isEmpty()) {
                    tmf.init((KeyStore) null);
                } else {
                    KeyStore roots = KeyStore.getInstance(KeyStore.getDefaultType());
                    roots.load(null, null);
                    for (int i = 0; i < cas.size(); i++) {
                        roots.setCertificateEntry("ca" + i, cas.get(i));
                    }
                    tmf.init(roots);
                }
                trust = tmf.getTrustManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), trust, null);
            return new Config(context.getSocketFactory(), verify);
        } catch (GeneralSecurityException e) {
            throw new IOException("the TLS certificate, key or CA is not usable (" + e.getMessage()
                + "); check LIBPROCESS_SSL_CERT_FILE, LIBPROCESS_SSL_KEY_FILE and LIBPROCESS_SSL_CA_FILE", e);
        }
    }

    private static String read(String file) throws IOException {
        try {
            return new String(Files.readAllBytes(new File(file).toPath()), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException(file + " cannot be read (" + e + "); point the LIBPROCESS_SSL_ variable at a readable PEM file", e);
        }
    }

    private static List<Certificate> certificates(String pem) throws GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<Certificate> out = new ArrayList<Certificate>();
        Matcher m = PEM.matcher(pem);
        while (m.find()) {
            if ("CERTIFICATE".equals(m.group(1))) {
                Collection<? extends Certificate> certs =
                    cf.generateCertificates(new ByteArrayInputStream(Base64.getMimeDecoder().decode(m.group(2))));
                out.addAll(certs);
            }
        }
        return out;
    }

    /** A PKCS#8 key (any algorithm the JDK has) or a PKCS#1 RSA key, wrapped into PKCS#8. */
    private static PrivateKey privateKey(String pem) throws GeneralSecurityException {
        Matcher m = PEM.matcher(pem);
        while (m.find()) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            if ("PRIVATE KEY".equals(m.group(1))) {
                PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
                for (String alg : new String[] {"RSA", "EC"}) {
                    try {
                        return KeyFactory.getInstance(alg).generatePrivate(spec);
                    } catch (GeneralSecurityException ignored) {
                        // Try the next algorithm.
                    }
                }
            } else if ("RSA PRIVATE KEY".equals(m.group(1))) {
                return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs1ToPkcs8(der)));
            }
        }
        throw new GeneralSecurityException("no RSA or EC private key in PEM form");
    }

    private static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octets = concat(der(0x04, pkcs1.length), pkcs1);
        byte[] body = concat(concat(version, algorithm), octets);
        return concat(der(0x30, body.length), body);
    }

    private static byte[] der(int tag, int length) {
        if (length < 0x80) {
            return new byte[] {(byte) tag, (byte) length};
        }
        if (length < 0x100) {
            return new byte[] {(byte) tag, (byte) 0x81, (byte) length};
        }
        if (length < 0x10000) {
            return new byte[] {(byte) tag, (byte) 0x82, (byte) (length >> 8), (byte) length};
        }
        return new byte[] {(byte) tag, (byte) 0x83, (byte) (length >> 16), (byte) (length >> 8), (byte) length};
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** libprocess without VERIFY_SERVER_CERT: a certificate is required but not checked. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
