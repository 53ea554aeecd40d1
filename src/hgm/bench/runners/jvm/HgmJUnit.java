// hgm's Java test driver: compiles the exercise and runs its JUnit 5 tests in one JVM
// (javac and the JUnit Platform each cost a JVM start-up otherwise).
//
//   java -cp <driver dir>:<launcher and library jars> HgmJUnit <classes dir> <test class>...
//
// Compiles every .java file under the working directory (hgm's own .hgm-* directories
// excepted) against the class path; a failed build prints `hgm-cause: compile-error` and
// exits 1 before any exercise code runs. Then runs the named test classes (the exercise's
// hidden test files) and prints one line per test: `OK <class>.<test>`, `FAILED ...` or
// `SKIPPED ...`, then a summary; exits 0 only when at least one test ran and none failed.
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

public final class HgmJUnit {
    private HgmJUnit() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        Path classes = Paths.get(args[0]).toAbsolutePath();
        Files.createDirectories(classes);
        List<String> sources;
        try (Stream<Path> walk = Files.walk(Paths.get("."))) {
            sources = walk.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.toString().startsWith("./.hgm-"))
                    .map(Path::toString)
                    .sorted()
                    .collect(Collectors.toList());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> options = new ArrayList<>(List.of(
                "-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                "-encoding", "UTF-8", "-nowarn", "-proc:none", "-Xlint:none"));
        options.addAll(sources);
        int built = javac.run(null, out, out, options.toArray(new String[0]));
        if (built != 0 || sources.isEmpty()) {
            out.println("hgm-cause: compile-error");
            out.flush();
            System.exit(1);
        }
        URLClassLoader loader = new URLClassLoader(
                new URL[] {classes.toUri().toURL()}, HgmJUnit.class.getClassLoader());
        Thread.currentThread().setContextClassLoader(loader);
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (int i = 1; i < args.length; i++) {
            request.selectors(DiscoverySelectors.selectClass(Class.forName(args[i], false, loader)));
        }
        AtomicInteger passed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger skipped = new AtomicInteger();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                if (test.isTest()) {
                    skipped.incrementAndGet();
                    out.println("SKIPPED " + name(test));
                }
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (!test.isTest()) {
                    if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                        failed.incrementAndGet();
                        out.println("FAILED " + test.getDisplayName() + " (container)");
                        result.getThrowable().ifPresent(t -> t.printStackTrace(out));
                    }
                    return;
                }
                if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                    passed.incrementAndGet();
                    out.println("OK " + name(test));
                } else {
                    failed.incrementAndGet();
                    out.println("FAILED " + name(test));
                    result.getThrowable().ifPresent(t -> t.printStackTrace(out));
                }
                out.flush();
            }
        };
        LauncherDiscoveryRequest discovery = request.build();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(discovery, listener);
        out.println("Tests: " + failed.get() + " failed, " + passed.get() + " passed, "
                + skipped.get() + " skipped");
        out.flush();
        System.exit(failed.get() == 0 && passed.get() > 0 ? 0 : 1);
    }

    private static String name(TestIdentifier test) {
        return test.getSource()
                .filter(MethodSource.class::isInstance)
                .map(MethodSource.class::cast)
                .map(source -> source.getClassName() + "." + test.getLegacyReportingName())
                .orElse(test.getLegacyReportingName());
    }
}
