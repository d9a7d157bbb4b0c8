// The collections, big numbers and text utilities solutions reach for, and an exception caught
// and printed (a runtime error's stack trace loads classes too).
import java.math.*;
import java.util.*;

public class Structures {
    enum Dir { N, E, S, W }

    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        int n = in.nextInt();
        PriorityQueue<long[]> pq = new PriorityQueue<>((x, y) -> Long.compare(x[0], y[0]));
        ArrayDeque<Integer> dq = new ArrayDeque<>();
        TreeSet<Integer> ts = new TreeSet<>();
        HashMap<String, Integer> hm = new HashMap<>();
        LinkedList<Integer> ll = new LinkedList<>();
        LinkedHashMap<Integer, Integer> lhm = new LinkedHashMap<>();
        BitSet bits = new BitSet();
        for (int i = 0; i < n; i++) {
            int v = in.nextInt();
            pq.add(new long[] {v, i});
            dq.addLast(v);
            ts.add(v);
            hm.merge("k" + (v % 3), 1, Integer::sum);
            ll.addFirst(v);
            lhm.put(v, i);
            bits.set(Math.abs(v));
        }
        List<Integer> sorted = new ArrayList<>(ts);
        Collections.sort(sorted, Collections.reverseOrder());
        Collections.swap(sorted, 0, sorted.size() - 1);
        BigInteger f = BigInteger.ONE;
        for (int i = 2; i <= 30; i++) f = f.multiply(BigInteger.valueOf(i));
        BigDecimal d = new BigDecimal("1").divide(new BigDecimal("7"), 20, RoundingMode.HALF_UP);
        char[] cs = in.next().toCharArray();
        Arrays.sort(cs);
        int[][] grid = new int[3][4];
        for (int[] row : grid) Arrays.fill(row, 7);
        Iterator<Integer> it = ll.iterator();
        long first = it.hasNext() ? it.next() : 0;
        Map.Entry<Integer, Integer> floor = new TreeMap<>(lhm).floorEntry(5);
        try {
            Integer.parseInt(in.next());
        } catch (NumberFormatException e) {
            e.printStackTrace();
        }
        System.out.println(pq.poll()[0] + " " + dq.pollLast() + " " + ts.ceiling(4) + " " + new TreeMap<>(hm) + " "
                + first + " " + floor + " " + bits.cardinality() + " " + sorted + " " + Dir.valueOf("S").ordinal());
        System.out.println(f + " " + f.mod(BigInteger.valueOf(1_000_000_007)) + " " + d + " " + new String(cs) + " "
                + Arrays.deepToString(grid) + " " + Character.isDigit(cs[0]) + " " + Long.toBinaryString(n)
                + " " + Integer.MAX_VALUE + " " + Math.floorMod(-7, 3) + " " + Objects.hash(1, 2) + " " + "x".repeat(3));
        System.exit(0);
    }
}
