// The fast readers contest templates use: BufferedReader + StringTokenizer, StreamTokenizer, a
// DataInputStream byte reader; PrintWriter over a BufferedWriter; int and long arrays, sorting.
import java.io.*;
import java.util.*;

public class FastIO {
    static class Reader {
        private final DataInputStream in;
        private final byte[] buf = new byte[1 << 16];
        private int len, ptr;
        Reader(InputStream s) { in = new DataInputStream(s); }
        int read() throws IOException {
            if (ptr == len) { len = in.read(buf, 0, buf.length); ptr = 0; if (len <= 0) return -1; }
            return buf[ptr++];
        }
        long nextLong() throws IOException {
            int c = read();
            while (c != '-' && (c < '0' || c > '9')) c = read();
            boolean neg = c == '-';
            if (neg) c = read();
            long r = 0;
            while (c >= '0' && c <= '9') { r = r * 10 + c - '0'; c = read(); }
            return neg ? -r : r;
        }
    }

    public static void main(String[] args) throws IOException {
        BufferedReader br = new BufferedReader(new InputStreamReader(System.in));
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out)));
        StringTokenizer st = new StringTokenizer(br.readLine());
        int n = Integer.parseInt(st.nextToken());
        long[] a = new long[n];
        st = new StringTokenizer(br.readLine());
        for (int i = 0; i < n; i++) a[i] = Long.parseLong(st.nextToken());
        Arrays.sort(a);
        StreamTokenizer tok = new StreamTokenizer(new StringReader(br.readLine()));
        double s = 0;
        while (tok.nextToken() != StreamTokenizer.TT_EOF) s += tok.nval;
        Reader r = new Reader(new ByteArrayInputStream((br.readLine() + "\n").getBytes()));
        long b = r.nextLong() + r.nextLong();
        Integer[] boxed = {3, 1, 2};
        Arrays.sort(boxed, Collections.reverseOrder());
        out.println(Arrays.toString(a) + " " + s + " " + b + " " + Arrays.toString(boxed));
        out.print(Long.MAX_VALUE);
        out.println();
        out.flush();
    }
}
