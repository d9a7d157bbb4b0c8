"""Writes problems.jsonl: 23 bundled Codeforces problems (statement and tests copied unchanged from
../problems/codeforces_rllm.jsonl, named by their line there) with accepted solutions in Python,
C++ and Java and one known-wrong solution each, all written for ringdata (see ../README.md).

Run from the repository root: python data/code_multilang/make.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "problems" / "codeforces_rllm.jsonl"

JAVA_IO = """import java.io.*;
import java.util.*;

public class Main {
    static BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    static StringTokenizer tokens;

    static String next() throws IOException {
        while (tokens == null || !tokens.hasMoreTokens()) tokens = new StringTokenizer(in.readLine());
        return tokens.nextToken();
    }

    static long nextLong() throws IOException { return Long.parseLong(next()); }

    public static void main(String[] args) throws IOException {
        StringBuilder out = new StringBuilder();
        int t = Integer.parseInt(next());
        while (t-- > 0) {
BODY
        }
        System.out.print(out);
    }
}
"""


def java(body: str, helpers: str = "") -> str:
    code = JAVA_IO.replace("BODY", "\n".join("            " + line for line in body.strip().splitlines()))
    return code.replace("    public static void main", helpers + "    public static void main") if helpers else code


def cpp(body: str, helpers: str = "") -> str:
    return ("#include <bits/stdc++.h>\nusing namespace std;\n" + helpers +
            "int main() {\n    int t;\n    if (!(cin >> t)) return 0;\n    while (t--) {\n" +
            "\n".join("        " + line for line in body.strip().splitlines()) + "\n    }\n}\n")


def py(body: str, helpers: str = "") -> str:
    return ("import sys\n" + helpers + "data = sys.stdin.read().split()\npos = 1\nout = []\n"
            "for _ in range(int(data[0])):\n" + "\n".join("    " + line for line in body.strip().splitlines()) +
            "\nprint('\\n'.join(out))\n")


# (line in codeforces_rllm.jsonl, name, python, cpp, java, (wrong language, wrong program, its bug))
P = []

P.append((0, "min-max",
    py("x, y = int(data[pos]), int(data[pos + 1]); pos += 2\nout.append(f'{min(x, y)} {max(x, y)}')"),
    cpp("int x, y; cin >> x >> y;\ncout << min(x, y) << ' ' << max(x, y) << '\\n';"),
    java("long x = nextLong(), y = nextLong();\nout.append(Math.min(x, y)).append(' ').append(Math.max(x, y)).append('\\n');"),
    ("python", py("x, y = int(data[pos]), int(data[pos + 1]); pos += 2\nout.append(f'{max(x, y)} {min(x, y)}')"), "max before min")))

P.append((97, "sum-of-multiples",
    py("n = int(data[pos]); pos += 1\nbest = max(range(2, n + 1), key=lambda x: x * (n // x) * (n // x + 1) // 2)\nout.append(str(best))"),
    cpp("int n; cin >> n;\nlong long best = 0; int arg = 2;\nfor (int x = 2; x <= n; x++) { long long k = n / x, s = x * k * (k + 1) / 2; if (s > best) best = s, arg = x; }\ncout << arg << '\\n';"),
    java("long n = nextLong(), best = 0, arg = 2;\nfor (long x = 2; x <= n; x++) { long k = n / x, s = x * k * (k + 1) / 2; if (s > best) { best = s; arg = x; } }\nout.append(arg).append('\\n');"),
    ("cpp", cpp("int n; cin >> n;\ncout << 2 << '\\n';"), "always 2 (n = 3 needs 3)")))

P.append((96, "swap-first-letters",
    py("a, b = data[pos], data[pos + 1]; pos += 2\nout.append(f'{b[0]}{a[1:]} {a[0]}{b[1:]}')"),
    cpp("string a, b; cin >> a >> b;\nswap(a[0], b[0]);\ncout << a << ' ' << b << '\\n';"),
    java("String a = next(), b = next();\nout.append(b.charAt(0)).append(a.substring(1)).append(' ').append(a.charAt(0)).append(b.substring(1)).append('\\n');"),
    ("java", java("String a = next(), b = next();\nout.append(a.substring(0, 2)).append(b.charAt(2)).append(' ').append(b.substring(0, 2)).append(a.charAt(2)).append('\\n');"), "swaps the last letters")))

P.append((88, "large-addition",
    py("s = data[pos]; pos += 1\nok = s[0] == '1' and s[-1] != '9' and '0' not in s[1:-1]\nout.append('YES' if ok else 'NO')"),
    cpp("string s; cin >> s;\nbool ok = s[0] == '1' && s.back() != '9' && s.substr(1, s.size() - 2).find('0') == string::npos;\ncout << (ok ? \"YES\" : \"NO\") << '\\n';"),
    java("String s = next();\nboolean ok = s.charAt(0) == '1' && s.charAt(s.length() - 1) != '9' && s.substring(1, s.length() - 1).indexOf('0') < 0;\nout.append(ok ? \"YES\" : \"NO\").append('\\n');"),
    ("python", py("s = data[pos]; pos += 1\nok = s[-1] != '9' and '0' not in s[1:-1]\nout.append('YES' if ok else 'NO')"), "forgets that the sum must start with 1")))

P.append((5, "lattice-ring",
    py("r = int(data[pos]); pos += 1\nout.append(str(inside((r + 1) ** 2) - inside(r * r)))",
       "from math import isqrt\n\n\ndef inside(r2):\n    \"\"\"Lattice points with x^2 + y^2 < r2.\"\"\"\n"
       "    top = isqrt(r2 - 1)\n    return sum(2 * isqrt(r2 - 1 - x * x) + 1 for x in range(-top, top + 1))\n\n\n"),
    cpp("long long r; cin >> r;\ncout << inside((r + 1) * (r + 1)) - inside(r * r) << '\\n';",
        "long long isq(long long v) { long long s = sqrtl((long double)v); while (s * s > v) s--; while ((s + 1) * (s + 1) <= v) s++; return s; }\n"
        "long long inside(long long r2) { long long top = isq(r2 - 1), n = 0; for (long long x = -top; x <= top; x++) n += 2 * isq(r2 - 1 - x * x) + 1; return n; }\n"),
    java("long r = nextLong();\nout.append(inside((r + 1) * (r + 1)) - inside(r * r)).append('\\n');",
         "    static long isq(long v) { long s = (long) Math.sqrt((double) v); while (s * s > v) s--; while ((s + 1) * (s + 1) <= v) s++; return s; }\n\n"
         "    static long inside(long r2) { long top = isq(r2 - 1), n = 0; for (long x = -top; x <= top; x++) n += 2 * isq(r2 - 1 - x * x) + 1; return n; }\n\n"),
    ("cpp", cpp("long long r; cin >> r;\ncout << inside((r + 1) * (r + 1) + 1) - inside(r * r) << '\\n';",
                "long long isq(long long v) { long long s = sqrtl((long double)v); while (s * s > v) s--; while ((s + 1) * (s + 1) <= v) s++; return s; }\n"
                "long long inside(long long r2) { long long top = isq(r2 - 1), n = 0; for (long long x = -top; x <= top; x++) n += 2 * isq(r2 - 1 - x * x) + 1; return n; }\n"),
     "counts distance r + 1 too")))

P.append((43, "tower-of-cubes",
    py("n, m = int(data[pos]), int(data[pos + 1]); pos += 2\nout.append('Yes' if n >= m and (n - m) % 2 == 0 else 'No')"),
    cpp("int n, m; cin >> n >> m;\ncout << (n >= m && (n - m) % 2 == 0 ? \"Yes\" : \"No\") << '\\n';"),
    java("long n = nextLong(), m = nextLong();\nout.append(n >= m && (n - m) % 2 == 0 ? \"Yes\" : \"No\").append('\\n');"),
    ("java", java("long n = nextLong(), m = nextLong();\nout.append((n - m) % 2 == 0 ? \"Yes\" : \"No\").append('\\n');"), "forgets that n moves build at most n cubes")))

P.append((48, "two-piles-of-books",
    py("n = int(data[pos]); a = list(map(int, data[pos + 1:pos + 1 + n])); pos += 1 + n\nout.append(str(a[-1] + max(a[:-1])))"),
    cpp("int n; cin >> n; vector<long long> a(n); for (auto& x : a) cin >> x;\ncout << a.back() + *max_element(a.begin(), a.end() - 1) << '\\n';"),
    java("int n = (int) nextLong(); long best = 0, last = 0;\nfor (int i = 0; i < n; i++) { long x = nextLong(); if (i < n - 1) best = Math.max(best, x); else last = x; }\nout.append(best + last).append('\\n');"),
    ("python", py("n = int(data[pos]); a = sorted(map(int, data[pos + 1:pos + 1 + n])); pos += 1 + n\nout.append(str(a[-1] + a[-2]))"), "the two largest books, whatever their numbers")))

P.append((49, "bakery-promotion",
    py("n, a, b = map(int, data[pos:pos + 3]); pos += 3\nk = max(0, min(n, b - a))\nout.append(str(k * b - k * (k - 1) // 2 + (n - k) * a))"),
    cpp("long long n, a, b; cin >> n >> a >> b;\nlong long k = max(0LL, min(n, b - a));\ncout << k * b - k * (k - 1) / 2 + (n - k) * a << '\\n';"),
    java("long n = nextLong(), a = nextLong(), b = nextLong();\nlong k = Math.max(0, Math.min(n, b - a));\nout.append(k * b - k * (k - 1) / 2 + (n - k) * a).append('\\n');"),
    ("cpp", cpp("int n, a, b; cin >> n >> a >> b;\nint k = max(0, min(n, b - a));\ncout << k * b - k * (k - 1) / 2 + (n - k) * a << '\\n';"), "32-bit overflow")))

P.append((54, "guaranteed-win",
    py("n = int(data[pos]); a = list(map(int, data[pos + 1:pos + 1 + n])); pos += 1 + n\nout.append(str(min(max(x, y) for x, y in zip(a, a[1:])) - 1))"),
    cpp("int n; cin >> n; vector<long long> a(n); for (auto& x : a) cin >> x;\nlong long best = LLONG_MAX; for (int i = 0; i + 1 < n; i++) best = min(best, max(a[i], a[i + 1]));\ncout << best - 1 << '\\n';"),
    java("int n = (int) nextLong(); long prev = nextLong(), best = Long.MAX_VALUE;\nfor (int i = 1; i < n; i++) { long x = nextLong(); best = Math.min(best, Math.max(prev, x)); prev = x; }\nout.append(best - 1).append('\\n');"),
    ("java", java("int n = (int) nextLong(); long best = Long.MAX_VALUE;\nfor (int i = 0; i < n; i++) best = Math.min(best, nextLong());\nout.append(best - 1).append('\\n');"), "the smallest element, not the smallest neighbouring maximum")))

P.append((60, "problem-bank",
    py("n, m = int(data[pos]), int(data[pos + 1]); s = data[pos + 2]; pos += 3\nout.append(str(sum(max(0, m - s.count(c)) for c in 'ABCDEFG')))"),
    cpp("int n, m; string s; cin >> n >> m >> s;\nint need = 0; for (char c = 'A'; c <= 'G'; c++) need += max(0, m - (int)count(s.begin(), s.end(), c));\ncout << need << '\\n';"),
    java("long n = nextLong(), m = nextLong(); String s = next(); long need = 0;\nfor (char c = 'A'; c <= 'G'; c++) { long have = 0; for (char d : s.toCharArray()) if (d == c) have++; need += Math.max(0, m - have); }\nout.append(need).append('\\n');"),
    ("python", py("n, m = int(data[pos]), int(data[pos + 1]); s = data[pos + 2]; pos += 3\nout.append(str(max(0, 7 * m - n)))"), "counts problems, not problems per level")))

P.append((68, "turtle-and-piggy",
    py("l, r = int(data[pos]), int(data[pos + 1]); pos += 2\nout.append(str(r.bit_length() - 1))"),
    cpp("long long l, r; cin >> l >> r;\nint k = 0; while ((2LL << k) <= r) k++;\ncout << k << '\\n';"),
    java("long l = nextLong(), r = nextLong();\nout.append(63 - Long.numberOfLeadingZeros(r)).append('\\n');"),
    ("cpp", cpp("long long l, r; cin >> l >> r;\nint k = 0; while ((2LL << k) <= l) k++;\ncout << k << '\\n';"), "the power of two below l, not r")))

P.append((98, "good-prefixes",
    py("n = int(data[pos]); a = list(map(int, data[pos + 1:pos + 1 + n])); pos += 1 + n\ntotal = top = good = 0\nfor x in a:\n    total += x; top = max(top, x); good += 2 * top == total\nout.append(str(good))"),
    cpp("int n; cin >> n; long long total = 0, top = 0; int good = 0;\nfor (int i = 0; i < n; i++) { long long x; cin >> x; total += x; top = max(top, x); good += 2 * top == total; }\ncout << good << '\\n';"),
    java("int n = (int) nextLong(); long total = 0, top = 0; int good = 0;\nfor (int i = 0; i < n; i++) { long x = nextLong(); total += x; top = Math.max(top, x); if (2 * top == total) good++; }\nout.append(good).append('\\n');"),
    ("java", java("int n = (int) nextLong(); long total = 0; int good = 0;\nfor (int i = 0; i < n; i++) { total += nextLong(); if (total % 2 == 0) good++; }\nout.append(good).append('\\n');"), "counts even prefix sums")))

P.append((21, "phone-desktop",
    py("x, y = int(data[pos]), int(data[pos + 1]); pos += 2\nout.append(str(max((y + 1) // 2, (x + 4 * y + 14) // 15)))"),
    cpp("int x, y; cin >> x >> y;\ncout << max((y + 1) / 2, (x + 4 * y + 14) / 15) << '\\n';"),
    java("long x = nextLong(), y = nextLong();\nout.append(Math.max((y + 1) / 2, (x + 4 * y + 14) / 15)).append('\\n');"),
    ("cpp", cpp("int x, y; cin >> x >> y;\ncout << (x + 4 * y + 14) / 15 << '\\n';"), "ignores that two big icons fill a screen")))

P.append((69, "or-after-m-seconds",
    py("n, m = int(data[pos]), int(data[pos + 1]); pos += 2\nlo, hi = max(0, n - m), n + m\nres = 0\nfor b in range(32):\n"
       "    if lo >> b & 1 or hi >> b & 1 or hi >> (b + 1) > lo >> (b + 1):\n        res |= 1 << b\nout.append(str(res))"),
    cpp("long long n, m; cin >> n >> m; long long lo = max(0LL, n - m), hi = n + m, res = 0;\n"
        "for (int b = 0; b < 32; b++) if ((lo >> b & 1) || (hi >> b & 1) || (hi >> (b + 1)) > (lo >> (b + 1))) res |= 1LL << b;\ncout << res << '\\n';"),
    java("long n = nextLong(), m = nextLong(), lo = Math.max(0, n - m), hi = n + m, res = 0;\n"
         "for (int b = 0; b < 32; b++) if ((lo >> b & 1) == 1 || (hi >> b & 1) == 1 || (hi >> (b + 1)) > (lo >> (b + 1))) res |= 1L << b;\nout.append(res).append('\\n');"),
    ("java", java("long n = nextLong(), m = nextLong();\nout.append(n | m).append('\\n');"), "n | m")))

P.append((9, "coin-game",
    py("n = int(data[pos]); s = data[pos + 1]; pos += 2\nout.append('YES' if s.count('U') % 2 else 'NO')"),
    cpp("int n; string s; cin >> n >> s;\ncout << (count(s.begin(), s.end(), 'U') % 2 ? \"YES\" : \"NO\") << '\\n';"),
    java("long n = nextLong(); String s = next(); int up = 0;\nfor (char ch : s.toCharArray()) if (ch == 'U') up++;\nout.append(up % 2 == 1 ? \"YES\" : \"NO\").append('\\n');"),
    ("python", py("n = int(data[pos]); s = data[pos + 1]; pos += 2\nout.append('YES' if s[0] == 'U' else 'NO')"), "Alice wins when the first coin is up")))

P.append((15, "chess-draws",
    py("p = list(map(int, data[pos:pos + 3])); pos += 3\nout.append('-1' if sum(p) % 2 else str(min(sum(p) // 2, p[0] + p[1])))"),
    cpp("int a, b, c; cin >> a >> b >> c;\nint s = a + b + c;\ncout << (s % 2 ? -1 : min(s / 2, a + b)) << '\\n';"),
    java("long a = nextLong(), b = nextLong(), c = nextLong(), s = a + b + c;\nout.append(s % 2 == 1 ? -1 : Math.min(s / 2, a + b)).append('\\n');"),
    ("java", java("long a = nextLong(), b = nextLong(), c = nextLong(), s = a + b + c;\nout.append(s % 2 == 1 ? -1 : s / 2).append('\\n');"), "forgets that the leader's extra points need wins")))

P.append((61, "favorite-cube",
    py("n, f, k = map(int, data[pos:pos + 3]); a = list(map(int, data[pos + 3:pos + 3 + n])); pos += 3 + n\nv = a[f - 1]; greater = sum(x > v for x in a); equal = a.count(v)\n"
       "out.append('NO' if k <= greater else 'YES' if k >= greater + equal else 'MAYBE')"),
    cpp("int n, f, k; cin >> n >> f >> k; vector<int> a(n); for (auto& x : a) cin >> x;\nint v = a[f - 1], greater = 0, equal = 0;\nfor (int x : a) { greater += x > v; equal += x == v; }\n"
        "cout << (k <= greater ? \"NO\" : k >= greater + equal ? \"YES\" : \"MAYBE\") << '\\n';"),
    java("int n = (int) nextLong(), f = (int) nextLong(), k = (int) nextLong(); long[] a = new long[n];\nfor (int i = 0; i < n; i++) a[i] = nextLong();\nint greater = 0, equal = 0;\n"
         "for (long x : a) { if (x > a[f - 1]) greater++; if (x == a[f - 1]) equal++; }\nout.append(k <= greater ? \"NO\" : k >= greater + equal ? \"YES\" : \"MAYBE\").append('\\n');"),
    ("cpp", cpp("int n, f, k; cin >> n >> f >> k; vector<int> a(n); for (auto& x : a) cin >> x;\nint v = a[f - 1], greater = 0;\nfor (int x : a) greater += x > v;\ncout << (k > greater ? \"YES\" : \"NO\") << '\\n';"), "ignores ties (never MAYBE)")))

P.append((74, "soccer-score",
    py("x1, y1, x2, y2 = map(int, data[pos:pos + 4]); pos += 4\nout.append('YES' if (x1 < y1) == (x2 < y2) else 'NO')"),
    cpp("long long x1, y1, x2, y2; cin >> x1 >> y1 >> x2 >> y2;\ncout << ((x1 < y1) == (x2 < y2) ? \"YES\" : \"NO\") << '\\n';"),
    java("long x1 = nextLong(), y1 = nextLong(), x2 = nextLong(), y2 = nextLong();\nout.append((x1 < y1) == (x2 < y2) ? \"YES\" : \"NO\").append('\\n');"),
    ("java", java("long x1 = nextLong(), y1 = nextLong(), x2 = nextLong(), y2 = nextLong();\nout.append(x2 - x1 != y2 - y1 ? \"YES\" : \"NO\").append('\\n');"), "compares the goals scored, not who leads")))

P.append((75, "collatz-steps",
    py("x, y, k = map(int, data[pos:pos + 3]); pos += 3\nwhile k > 0 and x != 1:\n    step = y - x % y\n    if step > k:\n        x, k = x + k, 0\n    else:\n        x, k = x + step, k - step\n"
       "        while x % y == 0:\n            x //= y\nif k:\n    x = 1 + k % (y - 1)  # from 1 the values cycle through 1 .. y - 1\nout.append(str(x))"),
    cpp("long long x, y, k; cin >> x >> y >> k;\nwhile (k > 0 && x != 1) {\n    long long step = y - x % y;\n    if (step > k) { x += k; k = 0; }\n    else { x += step; k -= step; while (x % y == 0) x /= y; }\n}\n"
        "if (k) x = 1 + k % (y - 1);\ncout << x << '\\n';"),
    java("long x = nextLong(), y = nextLong(), k = nextLong();\nwhile (k > 0 && x != 1) {\n    long step = y - x % y;\n    if (step > k) { x += k; k = 0; }\n    else { x += step; k -= step; while (x % y == 0) x /= y; }\n}\n"
         "if (k > 0) x = 1 + k % (y - 1);\nout.append(x).append('\\n');"),
    ("cpp", cpp("long long x, y, k; cin >> x >> y >> k;\nwhile (k > 0 && x != 1) {\n    long long step = y - x % y;\n    if (step > k) { x += k; k = 0; }\n    else { x += step; k -= step; while (x % y == 0) x /= y; }\n}\n"
                "x += k;\ncout << x << '\\n';"), "forgets that from 1 the values cycle")))

P.append((99, "manhattan-circle",
    py("n, m = int(data[pos]), int(data[pos + 1]); rows = data[pos + 2:pos + 2 + n]; pos += 2 + n\ncells = [(i, j) for i, row in enumerate(rows) for j, ch in enumerate(row) if ch == '#']\n"
       "rs = [i for i, _ in cells]; cs = [j for _, j in cells]\nout.append(f'{(min(rs) + max(rs)) // 2 + 1} {(min(cs) + max(cs)) // 2 + 1}')"),
    cpp("int n, m; cin >> n >> m; int r0 = n, r1 = -1, c0 = m, c1 = -1;\nfor (int i = 0; i < n; i++) { string row; cin >> row; for (int j = 0; j < m; j++) if (row[j] == '#') { r0 = min(r0, i); r1 = max(r1, i); c0 = min(c0, j); c1 = max(c1, j); } }\n"
        "cout << (r0 + r1) / 2 + 1 << ' ' << (c0 + c1) / 2 + 1 << '\\n';"),
    java("int n = (int) nextLong(), m = (int) nextLong(), r0 = n, r1 = -1, c0 = m, c1 = -1;\nfor (int i = 0; i < n; i++) { String row = next(); for (int j = 0; j < m; j++) if (row.charAt(j) == '#') { r0 = Math.min(r0, i); r1 = Math.max(r1, i); c0 = Math.min(c0, j); c1 = Math.max(c1, j); } }\n"
         "out.append((r0 + r1) / 2 + 1).append(' ').append((c0 + c1) / 2 + 1).append('\\n');"),
    ("python", py("n, m = int(data[pos]), int(data[pos + 1]); rows = data[pos + 2:pos + 2 + n]; pos += 2 + n\ni = next(i for i, row in enumerate(rows) if '#' in row)\nout.append(f'{i + 1} {rows[i].index(\"#\") + 1}')"),
     "the first '#' is the top of the circle, not its centre")))

P.append((23, "beautiful-triples",
    py("n = int(data[pos]); a = data[pos + 1:pos + 1 + n]; pos += 1 + n\ntriples = list(zip(a, a[1:], a[2:]))\n"
       "same_two = sum(pairs(Counter(t[:i] + t[i + 1:] for t in triples)) for i in range(3))\nout.append(str(same_two - 3 * pairs(Counter(triples))))",
       "from collections import Counter\n\n\ndef pairs(counts):\n    return sum(v * (v - 1) // 2 for v in counts.values())\n\n\n"),
    cpp("int n; cin >> n; vector<long long> a(n); for (auto& x : a) cin >> x;\nmap<array<long long, 3>, long long> same[3]; map<array<long long, 3>, long long> all;\nlong long answer = 0;\n"
        "for (int j = 0; j + 2 < n; j++) {\n    array<long long, 3> t = {a[j], a[j + 1], a[j + 2]};\n    for (int i = 0; i < 3; i++) { auto key = t; key[i] = 0; answer += same[i][key]++; }\n    answer -= 3 * all[t]++;\n}\ncout << answer << '\\n';"),
    java("int n = (int) nextLong(); long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = nextLong();\nList<Map<Long, Long>> same = new ArrayList<>(); for (int i = 0; i < 3; i++) same.add(new HashMap<>());\n"
         "Map<Long, Long> all = new HashMap<>(); long answer = 0, base = 1_000_001L;\nfor (int j = 0; j + 2 < n; j++) {\n    long[] tri = {a[j], a[j + 1], a[j + 2]};\n"
         "    for (int i = 0; i < 3; i++) { long key = 0; for (int q = 0; q < 3; q++) key = key * base + (q == i ? 0 : tri[q]); long seen = same.get(i).getOrDefault(key, 0L); answer += seen; same.get(i).put(key, seen + 1); }\n"
         "    long key = (tri[0] * base + tri[1]) * base + tri[2]; long seen = all.getOrDefault(key, 0L); answer -= 3 * seen; all.put(key, seen + 1);\n}\nout.append(answer).append('\\n');"),
    ("java", java("int n = (int) nextLong(); long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = nextLong();\nList<Map<Long, Long>> same = new ArrayList<>(); for (int i = 0; i < 3; i++) same.add(new HashMap<>());\n"
                  "long answer = 0, base = 1_000_001L;\nfor (int j = 0; j + 2 < n; j++) {\n    long[] tri = {a[j], a[j + 1], a[j + 2]};\n"
                  "    for (int i = 0; i < 3; i++) { long key = 0; for (int q = 0; q < 3; q++) key = key * base + (q == i ? 0 : tri[q]); long seen = same.get(i).getOrDefault(key, 0L); answer += seen; same.get(i).put(key, seen + 1); }\n}\nout.append(answer).append('\\n');"),
     "counts identical triples as beautiful")))

P.append((55, "xor-sequences",
    py("x, y = int(data[pos]), int(data[pos + 1]); pos += 2\nd = x ^ y\nout.append(str(d & -d))"),
    cpp("long long x, y; cin >> x >> y;\nlong long d = x ^ y;\ncout << (d & -d) << '\\n';"),
    java("long x = nextLong(), y = nextLong(), d = x ^ y;\nout.append(Long.lowestOneBit(d)).append('\\n');"),
    ("cpp", cpp("long long x, y; cin >> x >> y;\ncout << (x ^ y) << '\\n';"), "x xor y, not its lowest bit")))

P.append((16, "loneliness",
    py("n = int(data[pos]); a = list(map(int, data[pos + 1:pos + 1 + n])); pos += 1 + n\nk = 1\nfor b in range(20):\n    where = [i + 1 for i, x in enumerate(a) if x >> b & 1]\n"
       "    if where:\n        k = max(k, max(q - p for p, q in zip([0] + where, where + [n + 1])))\nout.append(str(k))"),
    cpp("int n; cin >> n; vector<int> a(n); for (auto& x : a) cin >> x;\nint k = 1;\nfor (int b = 0; b < 20; b++) {\n    int last = 0; bool any = false; int gap = 0;\n"
        "    for (int i = 1; i <= n; i++) if (a[i - 1] >> b & 1) { gap = max(gap, i - last); last = i; any = true; }\n    if (any) k = max(k, max(gap, n + 1 - last));\n}\ncout << k << '\\n';"),
    java("int n = (int) nextLong(); long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = nextLong();\nint k = 1;\nfor (int b = 0; b < 20; b++) {\n    int last = 0, gap = 0; boolean any = false;\n"
         "    for (int i = 1; i <= n; i++) if ((a[i - 1] >> b & 1) == 1) { gap = Math.max(gap, i - last); last = i; any = true; }\n    if (any) k = Math.max(k, Math.max(gap, n + 1 - last));\n}\nout.append(k).append('\\n');"),
    ("python", py("n = int(data[pos]); a = list(map(int, data[pos + 1:pos + 1 + n])); pos += 1 + n\nk = 1\nfor b in range(20):\n    where = [i + 1 for i, x in enumerate(a) if x >> b & 1]\n"
                  "    if len(where) > 1:\n        k = max(k, max(q - p for p, q in zip(where, where[1:])))\nout.append(str(k))"), "only the gaps between set bits, not to the ends")))


def main() -> None:
    source = SOURCE.read_text().splitlines()
    with (HERE / "problems.jsonl").open("w", encoding="utf-8") as out:
        for n, (line, name, python, c, j, (wrong_lang, wrong, bug)) in enumerate(P):
            row = json.loads(source[line])
            solutions = [f"```python\n{python}```", f"```cpp\n{c}```", f"```java\n{j}```"]
            solutions = solutions[n % 3 :] + solutions[: n % 3]  # each language comes first for a third
            out.write(json.dumps({
                "id": f"codeforces_rllm/{line}-{name}", "domain": "code", "source": "code_multilang",
                "question": row["problem"], "tests": row["tests"],
                "solutions": solutions,  # --validate-tests stops at the first that passes
                "wrong_solutions": [f"```{wrong_lang}\n{wrong}```"], "wrong_bug": bug,
            }, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
