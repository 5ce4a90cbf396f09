package mesos;

/** The version of this client library, as recorded in its jar's manifest. */
public final class Version {
    private Version() {
    }

    /** The Implementation-Version of the jar this class was loaded from, or "unknown". */
    public static String get() {
        Package pkg = Version.class.getPackage();
        String version = pkg == null ? null : pkg.getImplementationVersion();
        return version == null ? "unknown" : version;
    }

    public static void main(String[] args) {
        System.out.println(get());
    }
}
