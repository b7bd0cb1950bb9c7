import assert from "node:assert/strict";
import { analyze, fold, indexTerm, TERM_MAX } from "./tokenize.ts";
import { textClause } from "./query.ts";
import { highlights, matches } from "./match.ts";

function terms(text: string, kinds = ["word", "part", "bigram", "emoji"]): string[] {
  return analyze(text).tokens.filter((t) => kinds.includes(t.kind)).map((t) => t.term);
}

/** Whether a query piece (as the parser makes it) matches the text. */
function finds(text: string, piece: string, quoted = false): boolean {
  const clause = textClause(piece, quoted);
  assert.ok(clause, `"${piece}" makes a clause`);
  return matches(analyze(text), clause);
}

Deno.test("English: words lowercased, offsets into the text, inner punctuation split too", () => {
  const a = analyze("The Quick brown fox didn't see snake_case 1,000 times.");
  assert.deepEqual(
    a.tokens.filter((t) => t.kind === "word").map((t) => t.term),
    ["the", "quick", "brown", "fox", "didn't", "see", "snake_case", "1,000", "times"],
  );
  assert.deepEqual(terms("didn't snake_case", ["part"]), ["didn", "t", "snake", "case"]);
  const quick = a.tokens.find((t) => t.term === "quick")!;
  assert.equal("The Quick brown".slice(quick.start, quick.end), "Quick");
  assert.equal(a.flat, "the quick brown fox didn't see snake_case 1,000 times");
});

Deno.test("German: ß is ss, umlauts fold to their base letter, ẞ too", () => {
  assert.deepEqual(terms("Straße GROẞ Ärger Öl über"), ["strasse", "gross", "arger", "ol", "uber"]);
  assert.ok(finds("Die Straße ist lang", "strasse"));
  assert.ok(finds("Die Strasse ist lang", "straße"));
  assert.ok(finds("Ärger im Büro", "arger"));
  assert.ok(finds("Arger im Buro", "ärger"));
});

Deno.test("French: accents and ligatures fold (NFKD), œ and æ spelled out", () => {
  assert.deepEqual(terms("Café naïve élève cœur ﬁn Æther"), [
    "cafe",
    "naive",
    "eleve",
    "coeur",
    "fin",
    "aether",
  ]);
  assert.ok(finds("un café crème", "creme"));
  assert.ok(finds("un cafe creme", "crème"));
});

Deno.test("Chinese: overlapping bigrams find any two characters of a run", () => {
  assert.deepEqual(terms("我家在上海东边"), ["我家", "家在", "在上", "上海", "海东", "东边"]);
  assert.ok(finds("我家在上海东边", "上海"));
  assert.ok(finds("我家在上海东边", "海东")); // across the dictionary's words
  assert.ok(finds("我家在上海东边", "在上海东"));
  assert.ok(!finds("我家在上海东边", "上东"));
  // One character starts its bigrams (or is a lone one).
  assert.ok(finds("我家在上海东边", "海"));
  assert.ok(finds("猫 と 犬", "猫"));
  const text = analyze("我家在上海东边");
  assert.deepEqual(highlights(text, [textClause("上海", false)!]), [[3, 5]]);
});

Deno.test("Japanese: kana and kanji as one run; voicing marks are kept, half-width folds", () => {
  assert.deepEqual(terms("東京タワー"), ["東京", "京タ", "タワ", "ワー"]);
  assert.ok(finds("東京タワーに行きました", "タワー"));
  assert.ok(finds("ｶﾞｽの料金", "ガス")); // half-width kana are full width
  assert.ok(!finds("カスの料金", "ガス")); // が is not か
  assert.equal(fold("が"), "が");
});

Deno.test("Thai: no spaces, bigrams of characters with their marks", () => {
  const found = terms("สวัสดีครับ");
  assert.ok(found.length >= 4, `bigrams: ${found}`);
  assert.ok(finds("สวัสดีครับ ผมชื่อสมชาย", "ครับ"));
  assert.ok(finds("สวัสดีครับ ผมชื่อสมชาย", "ชื่อ"));
  assert.ok(!finds("สวัสดีครับ", "ผม"));
});

Deno.test("Hebrew: words found with and without niqqud; RTL marks ignored", () => {
  assert.deepEqual(terms("שָׁלוֹם עולם"), ["שלום", "עולם"]);
  assert.ok(finds("שלום עולם", "שָׁלוֹם"));
  assert.ok(finds("\u200fשלום\u200f עולם", "שלום"));
  assert.ok(finds('צה"ל הודיע', 'צה"ל'));
});

Deno.test("emoji: terms of their own, skin tones and variation selectors dropped", () => {
  assert.deepEqual(terms("great 🎉 👍🏽 ❤️", ["emoji"]), ["🎉", "👍", "❤"]);
  assert.ok(finds("ship it 🚀", "🚀"));
  assert.ok(finds("well done 👍🏿", "👍"));
  assert.ok(finds("pair 👩‍💻 day", "👩‍💻"));
  assert.ok(!finds("pair 👩 day", "👩‍💻"));
});

Deno.test("unicode oddities: lone surrogates, zero-width joiners, bidi controls", () => {
  const a = analyze("x\ud800y hel\u200dlo \u202eabc\u202c");
  assert.deepEqual(a.tokens.map((t) => t.term), ["x", "y", "hello", "abc"]);
  assert.equal(analyze("\ud800\udfff\u200b").tokens.length, 0);
  assert.ok(finds("zero\u200bwidth", "zerowidth") || finds("zero\u200bwidth", "zero"));
  // Offsets stay offsets into the text as given (U+FFFD replaces one unit).
  const y = a.tokens[1];
  assert.equal("x\ud800y".slice(y.start, y.end), "y");
});

Deno.test("long words are indexed by their first TERM_MAX units, never half a pair", () => {
  const long = "a".repeat(100);
  assert.equal(indexTerm(long).length, TERM_MAX);
  const emoji = "a".repeat(TERM_MAX - 1) + "😀";
  assert.equal(indexTerm(emoji), "a".repeat(TERM_MAX - 1));
  assert.ok(finds(`x ${long} y`, "a".repeat(60)));
});

Deno.test("prefixes and phrases: words start with the query word, phrases are adjacent", () => {
  assert.ok(finds("Deploying now", "deplo"));
  assert.ok(!finds("Deploying now", "deplo", true)); // quoted: the word itself
  assert.ok(finds("see example.com today", "example.com"));
  assert.ok(!finds("example of a com", "example.com"));
  const clause = textClause("quick brown", true)!;
  const text = analyze("The QUICK  brown fox, quick... brown!");
  assert.deepEqual(highlights(text, [clause]), [[4, 16], [22, 36]]);
  assert.ok(!matches(analyze("brown quick"), clause));
});
