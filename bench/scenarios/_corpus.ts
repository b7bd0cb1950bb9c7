/**
 * @module Chat-like text for the search bench, generated (deterministically, from a
 * seed) from word-frequency lists in several languages: each language's most
 * frequent words drawn by Zipf's law (rank r with weight 1/r), a long tail of rare
 * words made of syllables (names, jargon: the words a search is for), some fixed
 * collocations ("code review", "pull request") so phrases occur, links now and
 * then. English 70 %, German 9 %, French 7 %, Spanish 5 %, Chinese 5 %,
 * Japanese 4 %. The lists are the head of the usual frequency tables (about 100-150
 * words each); the tail has ~40,000 words, so a rare word is in a handful of the
 * 100,000 messages.
 */

const EN = `the be to of and a in that have I it for not on with he as you do at this but his by
from they we say her she or an will my one all would there their what so up out if about who get
which go me when make can like time no just him know take people into year your good some could
them see other than then now look only come its over think also back after use two how our work
first well way even new want because any these give day most us is are was were been has had did
does got made said went meeting tomorrow today please thanks release deploy deployed deploying
deployment deploys build test tests tested testing bug bugs fix fixed fixing issue issues review
merge merged branch main server client database query queries search index cache latency error
errors crash crashed logs log alert page pager call standup sync project projects plan planning
design docs document update updated updates ticket tickets customer customers team week month
quarter lunch coffee office remote holiday weekend morning afternoon evening late early soon ready
done blocked waiting help question answer idea ideas nice great cool sure okay maybe yes really`;
const DE = `der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es
an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war
haben nur oder aber vor zur bis mehr durch man sein wurde sei Straße Größe Grüße schön müssen können
morgen heute Besprechung Fehler Übersicht Änderung prüfen natürlich vielleicht danke bitte Büro`;
const FR = `de la le et les des en un du une que est pour qui dans par plus pas au sur se ne il sont
avec ce sa ses mais nous elle comme tout être fait été où leur aussi bien très après déjà réunion
demain aujourd'hui problème équipe café élève déployer vérifier merci peut-être journée prochaine`;
const ES =
  `de la que el en y a los se del las un por con no una su para es al lo como más o pero sus
le ha me si sin sobre este ya entre cuando todo esta ser son dos también fue había era muy años
mañana reunión equipo problema gracias quizás también así aquí allí niño año`;
const ZH = `我们 今天 明天 上海 北京 东边 会议 问题 项目 服务器 数据库 测试 发布 部署 用户 客户 团队
时间 需要 可以 没有 已经 现在 因为 所以 但是 如果 这个 那个 一下 看看 谢谢 好的 没问题 中午 吃饭
我家 在 的 了 是 不 也 和 就 都 要 会 说 对 去 来 到 很 还 把 被 从 给 让`;
const JA = `今日 明日 会議 東京 大阪 タワー サーバー データベース テスト リリース デプロイ
お願いします ありがとう よろしく 問題 確認 対応 予定 資料 メール 電話 です ます した する
の に は を が で と も から まで ガス 料金 ラーメン`;
const PHRASES = [
  "code review",
  "pull request",
  "on call",
  "stand up",
  "release notes",
  "load balancer",
  "happy path",
];
const SYLLABLES =
  `ka ri to na mo se lu vi pa dor en gal thu mir ost bex quo zan fel rin sol tar wen yor ix ul ar
  bra cre dun fli gor hal jun kel lom nes pir ras sut vor wil zel`.split(/\s+/);

/** A small, fast seeded generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws ranks 0…n−1 with weight 1/(r+1). */
class Zipf {
  #cumulative: Float64Array;
  constructor(n: number, exponent = 1) {
    this.#cumulative = new Float64Array(n);
    let sum = 0;
    for (let r = 0; r < n; r++) this.#cumulative[r] = sum += 1 / (r + 1) ** exponent;
    for (let r = 0; r < n; r++) this.#cumulative[r] /= sum;
  }
  draw(rand: () => number): number {
    const x = rand();
    let lo = 0;
    let hi = this.#cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

interface Language {
  words: string[];
  zipf: Zipf;
  /** Joined without spaces (Chinese, Japanese). */
  tight: boolean;
  weight: number;
}

/** The rare tail: syllable words, deterministic. */
export const TAIL_SIZE = 40_000;

function tailWord(i: number): string {
  let word = "";
  let n = i + SYLLABLES.length;
  while (n > 0) {
    word += SYLLABLES[n % SYLLABLES.length];
    n = Math.floor(n / SYLLABLES.length);
  }
  return word;
}

/** A generator of chat messages. */
export class Corpus {
  #rand: () => number;
  #languages: Language[];
  #tail = new Zipf(TAIL_SIZE, 0.9);
  #length = new Zipf(30, 0.6);

  constructor(seed = 42) {
    this.#rand = random(seed);
    const lang = (text: string, weight: number, tight = false): Language => {
      const words = text.split(/\s+/).filter(Boolean);
      return { words, zipf: new Zipf(words.length), tight, weight };
    };
    this.#languages = [
      lang(EN, 0.70),
      lang(DE, 0.09),
      lang(FR, 0.07),
      lang(ES, 0.05),
      lang(ZH, 0.05, true),
      lang(JA, 0.04, true),
    ];
  }

  /** The n-th most frequent rare word (0: the most frequent of the tail). */
  static rare(rank: number): string {
    return tailWord(rank);
  }

  /** One message: 3–32 words of one language, a rare word or two, sometimes a phrase or link. */
  message(): string {
    const rand = this.#rand;
    let pick = rand();
    let language = this.#languages[0];
    for (const l of this.#languages) {
      if ((pick -= l.weight) <= 0) {
        language = l;
        break;
      }
    }
    const count = 3 + this.#length.draw(rand);
    const words: string[] = [];
    for (let i = 0; i < count; i++) {
      const x = rand();
      if (!language.tight && x < 0.08) words.push(tailWord(this.#tail.draw(rand)));
      else if (!language.tight && x < 0.1) words.push(PHRASES[Math.floor(rand() * PHRASES.length)]);
      else words.push(language.words[language.zipf.draw(rand)]);
    }
    let text = words.join(language.tight ? "" : " ");
    if (rand() < 0.04) text += ` https://example.com/${tailWord(Math.floor(rand() * 5000))}`;
    return text;
  }
}
