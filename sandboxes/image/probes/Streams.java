// Lambdas, method references, streams and collectors, Comparator chains, Optional, records.
import java.io.*;
import java.util.*;
import java.util.function.*;
import java.util.stream.*;

public class Streams {
    record Person(String name, int age) {}

    public static void main(String[] args) throws IOException {
        BufferedReader br = new BufferedReader(new InputStreamReader(System.in));
        List<Person> people = br.lines().map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> s.split(" ")).map(p -> new Person(p[0], Integer.parseInt(p[1])))
                .collect(Collectors.toList());
        people.sort(Comparator.comparingInt(Person::age).thenComparing(Person::name, Comparator.reverseOrder()));
        Map<Integer, List<String>> byDecade = people.stream().collect(Collectors.groupingBy(p -> p.age() / 10,
                TreeMap::new, Collectors.mapping(Person::name, Collectors.toList())));
        Map<String, Integer> ages = people.stream().collect(Collectors.toMap(Person::name, Person::age, Integer::sum));
        int[] xs = IntStream.rangeClosed(1, 20).filter(i -> i % 3 != 0).map(i -> i * i).toArray();
        long evens = Arrays.stream(xs).boxed().filter(i -> i % 2 == 0).count();
        Optional<Person> oldest = people.stream().max(Comparator.comparingInt(Person::age));
        String names = people.stream().map(Person::name).sorted().distinct().collect(Collectors.joining(",", "[", "]"));
        BiFunction<Integer, Integer, Integer> add = Integer::sum;
        Supplier<List<Integer>> fresh = ArrayList::new;
        List<Integer> l = fresh.get();
        l.add(add.apply(2, 3));
        double avg = people.stream().mapToInt(Person::age).average().orElse(0);
        System.out.println(byDecade + " " + new TreeMap<>(ages) + " " + evens + " " + oldest.map(Person::name).orElse("-"));
        System.out.println(names + " " + l + " " + String.format("%.2f", avg) + " " + LongStream.of(4, 5).sum()
                + " " + Stream.of("b", "a").sorted().toList() + " " + IntStream.of(xs).summaryStatistics().getMax());
    }
}
