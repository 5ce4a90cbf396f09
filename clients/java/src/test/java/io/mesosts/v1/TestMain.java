package io.mesosts.v1;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The test runner: every public no-argument method named test* of the classes below runs on a
 * fresh instance (closed afterwards when AutoCloseable). Exit status 1 when any failed.
 * Arguments, when given, select test classes by simple name.
 */
public final class TestMain {
    private static final Class<?>[] SUITES = {
        JsonTest.class, RecordIOTest.class, ResourcesTest.class, HttpTest.class, MastersTest.class, SchedulerClientTest.class,
    };

    public static void main(String[] args) throws Exception {
        List<String> only = Arrays.asList(args);
        int passed = 0;
        List<String> failures = new ArrayList<String>();
        for (Class<?> suite : SUITES) {
            if (!only.isEmpty() && !only.contains(suite.getSimpleName())) {
                continue;
            }
            Method[] methods = suite.getDeclaredMethods();
            Arrays.sort(methods, Comparator.comparing(Method::getName));
            for (Method m : methods) {
                if (!m.getName().startsWith("test") || m.getParameterCount() != 0 || !Modifier.isPublic(m.getModifiers())) {
                    continue;
                }
                String name = suite.getSimpleName() + "." + m.getName();
                long started = System.nanoTime();
                Object instance = suite.getDeclaredConstructor().newInstance();
                Throwable failure = null;
                try {
                    m.invoke(instance);
                } catch (InvocationTargetException e) {
                    failure = e.getCause();
                } finally {
                    if (instance instanceof AutoCloseable) {
                        try {
                            ((AutoCloseable) instance).close();
                        } catch (Exception e) {
                            failure = failure == null ? e : failure;
                        }
                    }
                }
                long ms = (System.nanoTime() - started) / 1_000_000;
                if (failure == null) {
                    passed++;
                    System.out.println("ok   " + name + " (" + ms + " ms)");
                } else {
                    failures.add(name);
                    System.out.println("FAIL " + name + " (" + ms + " ms)");
                    failure.printStackTrace(System.out);
                }
            }
        }
        System.out.println(passed + " passed, " + failures.size() + " failed" + (failures.isEmpty() ? "" : ": " + failures));
        System.exit(failures.isEmpty() && passed > 0 ? 0 : 1);
    }
}
