// Scanner for every token type, printf and String.format, string concatenation and switch on a String.
import java.util.*;

public class ScannerIO {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        int t = in.nextInt();
        long sum = 0;
        double total = 0;
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < t; i++) {
            long a = in.nextLong();
            double d = in.nextDouble();
            String w = in.next();
            sum += a;
            total += d;
            switch (w) {
                case "up" -> words.append(w.toUpperCase());
                case "rev" -> words.append(new StringBuilder(w).reverse());
                default -> words.append(w.charAt(0)).append(w.length());
            }
        }
        in.nextLine();
        String line = in.hasNextLine() ? in.nextLine() : "";
        System.out.printf("%d %.6f %s%n", sum, total, words);
        System.out.println(String.format("%5s|%-5s|%08.3f|%x", line.trim(), "ab", Math.PI, 255) + " " + sum + ":" + t);
        System.out.println(String.join(",", line.split("\\s+")) + " " + Math.max(sum, 3) + " " + Math.abs(-total));
    }
}
