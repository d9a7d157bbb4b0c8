"""Writes problems.jsonl: 15 bundled Codeforces problems (statement and tests copied unchanged from
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

P.append((3, "binary-cut",
    py("s = data[pos]; pos += 1\nblocks = 1 + sum(x != y for x, y in zip(s, s[1:]))\nout.append(str(blocks - ('01' in s)))"),
    cpp("string s; cin >> s;\nint blocks = 1; for (size_t i = 1; i < s.size(); i++) blocks += s[i] != s[i - 1];\ncout << blocks - (s.find(\"01\") != string::npos) << '\\n';"),
    java("String s = next(); int blocks = 1;\nfor (int i = 1; i < s.length(); i++) if (s.charAt(i) != s.charAt(i - 1)) blocks++;\nout.append(blocks - (s.contains(\"01\") ? 1 : 0)).append('\\n');"),
    ("python", py("s = data[pos]; pos += 1\nout.append(str(1 + sum(x != y for x, y in zip(s, s[1:]))))"), "one piece per block")))

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
