// The resident Java compiler of one runner batch (sandboxes/runner.py `precompile_java`).
//
// javac is a Java program: started per submission it pays a JVM start and then runs interpreted
// (~0.8 s of CPU for a contest-sized file); kept running, its code is compiled by the JIT after the
// first few sources and a compile costs ~0.03-0.1 s. This server runs javac (javax.tools, the same
// compiler and options as the `javac` launcher) once per line of its stdin and answers one line per
// compile on stdout, in order:
//
//     stdin:  javac's arguments, separated by tabs (the runner's, never a submission's)
//     stdout: <exit code> <CPU ns of this JVM during the compile> <wall ns> <javac's messages as hex>
//
// It runs in the sandbox as one case of the runner (its limits, its CPU charged by the kernel)
// before any program of the batch runs, and exits at the end of its stdin; the runner kills it if
// it has not. What one compile leaves for the next is only javac's own state: every call builds a
// fresh compiler context and file manager, each source sits in a directory of its own that is the
// only class and source path of its compile, and no submission's code runs (`-proc:none`: no
// annotation processors, no plugins), so a source is only ever data to the compiler.
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

public class CompileServer {
    static final int DIAGNOSTICS_MAX = 64 << 10; // bytes of javac's messages kept per compile

    public static void main(String[] args) throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        String line;
        while ((line = in.readLine()) != null) {
            ByteArrayOutputStream messages = new ByteArrayOutputStream();
            long before = os.getProcessCpuTime(), started = System.nanoTime();
            int code;
            try {
                code = javac.run(null, messages, messages, line.split("\t"));
            } catch (RuntimeException | StackOverflowError e) { // javac's own failure: as the launcher's exit 4
                messages.write(("An exception has occurred in the compiler: " + e + "\n").getBytes(StandardCharsets.UTF_8));
                code = 4;
            }
            long cpu = os.getProcessCpuTime() - before, wall = System.nanoTime() - started;
            byte[] text = messages.toByteArray();
            int n = Math.min(text.length, DIAGNOSTICS_MAX);
            StringBuilder reply = new StringBuilder(32 + 2 * n).append(code).append(' ').append(cpu).append(' ').append(wall).append(' ');
            for (int i = 0; i < n; i++) {
                reply.append(Character.forDigit((text[i] >> 4) & 0xF, 16)).append(Character.forDigit(text[i] & 0xF, 16));
            }
            out.print(reply.append('\n'));
            out.flush();
        }
    }
}
