/**
 * The series a PromQL expression selects, with the label names its matchers use. A lexer and a
 * scan, not a full parser: enough to tell metric names from functions, aggregations, keywords,
 * grouping labels, durations, strings and Grafana variables, and to reject what is not balanced.
 */
export interface SeriesReference {
  /** The series name as written (e.g. `x_bucket`). */
  series: string;
  /** Label names in its matchers, `{pool="a", outcome=~"b|c"}` → pool, outcome. */
  matcherLabels: string[];
  /** Label values matched with `=`, by label. */
  equalities: Record<string, string>;
}

type Token =
  | { kind: "ident"; text: string }
  | { kind: "string"; text: string }
  | { kind: "number" | "duration" | "variable" | "op"; text: string }
  | { kind: "punct"; text: "(" | ")" | "{" | "}" | "[" | "]" | "," };

const AGGREGATIONS = new Set(["sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"]);
const GROUPING = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const OPERATOR_WORDS = new Set(["and", "or", "unless", "bool", "offset", "atan2"]);
const NUMBER_WORDS = new Set(["inf", "nan"]);

export function seriesReferences(expr: string): SeriesReference[] {
  const tokens = lex(expr);
  const references: SeriesReference[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const next = tokens[i + 1];
    if (token.kind === "punct") {
      if (token.text === "(") depth++;
      if (token.text === ")" && --depth < 0) throw new Error(`unbalanced ')' in ${expr}`);
      if (token.text === "[") i = skipTo(tokens, i, "]", expr);
      if (token.text === "{") {
        // A selector without a name: {__name__="x", ...}.
        const [end, matchers] = readMatchers(tokens, i, expr);
        i = end;
        const name = matchers.equalities.__name__;
        if (name === undefined) throw new Error(`a selector without a metric name in ${expr}`);
        references.push({ series: name, matcherLabels: matchers.labels.filter((l) => l !== "__name__"), equalities: matchers.equalities });
      }
      if (token.text === "}" || token.text === "]") throw new Error(`unbalanced '${token.text}' in ${expr}`);
      continue;
    }
    if (token.kind !== "ident") continue;
    const word = token.text.toLowerCase();
    if (GROUPING.has(word)) {
      if (next?.kind === "punct" && next.text === "(") i = skipTo(tokens, i + 1, ")", expr);
      continue;
    }
    if (AGGREGATIONS.has(word) || OPERATOR_WORDS.has(word) || NUMBER_WORDS.has(word)) continue;
    if (next?.kind === "punct" && next.text === "(") continue; // a function call
    if (next?.kind === "punct" && next.text === "{") {
      const [end, matchers] = readMatchers(tokens, i + 1, expr);
      i = end;
      references.push({ series: token.text, matcherLabels: matchers.labels, equalities: matchers.equalities });
    } else {
      references.push({ series: token.text, matcherLabels: [], equalities: {} });
    }
  }
  if (depth !== 0) throw new Error(`unbalanced '(' in ${expr}`);
  return references;
}

function readMatchers(tokens: Token[], open: number, expr: string): [number, { labels: string[]; equalities: Record<string, string> }] {
  const labels: string[] = [];
  const equalities: Record<string, string> = {};
  let i = open + 1;
  for (;;) {
    const token = tokens[i];
    if (token === undefined) throw new Error(`unclosed '{' in ${expr}`);
    if (token.kind === "punct" && token.text === "}") return [i, { labels, equalities }];
    if (token.kind === "punct" && token.text === ",") {
      i++;
      continue;
    }
    const op = tokens[i + 1];
    const value = tokens[i + 2];
    if ((token.kind !== "ident" && token.kind !== "string") || op?.kind !== "op" || !["=", "!=", "=~", "!~"].includes(op.text) || value?.kind !== "string") {
      throw new Error(`a label matcher must be label op "value" in ${expr}`);
    }
    labels.push(token.text);
    if (op.text === "=") equalities[token.text] = value.text;
    i += 3;
  }
}

/** Index of the token closing the bracket opened at `open` (brackets of other kinds inside are
 * only counted for this kind). */
function skipTo(tokens: Token[], open: number, close: ")" | "]", expr: string): number {
  const opener = close === ")" ? "(" : "[";
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind !== "punct") continue;
    if (token.text === opener) depth++;
    if (token.text === close && --depth === 0) return i;
  }
  throw new Error(`unclosed '${opener}' in ${expr}`);
}

function lex(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "#") {
      while (i < expr.length && expr[i] !== "\n") i++;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      let text = "";
      while (j < expr.length && expr[j] !== c) {
        if (expr[j] === "\\" && c !== "`") j++;
        text += expr[j] ?? "";
        j++;
      }
      if (j >= expr.length) throw new Error(`unclosed string in ${expr}`);
      tokens.push({ kind: "string", text });
      i = j + 1;
    } else if (c === "$") {
      // Grafana variables: $pool, ${pool}, ${pool:regex}, $__rate_interval.
      const match = /^\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)/.exec(expr.slice(i));
      if (match === null) throw new Error(`a '$' that is not a Grafana variable in ${expr}`);
      tokens.push({ kind: "variable", text: match[0] });
      i += match[0].length;
    } else if (/[0-9.]/.test(c)) {
      const match = /^(?:0x[0-9a-fA-F]+|(?:\d+(?:ms|[smhdwy]))+|\d*\.?\d+(?:[eE][+-]?\d+)?)/.exec(expr.slice(i));
      if (match === null) throw new Error(`a malformed number in ${expr}`);
      tokens.push({ kind: /[smhdwy]$/.test(match[0]) && !match[0].startsWith("0x") ? "duration" : "number", text: match[0] });
      i += match[0].length;
    } else if (/[A-Za-z_:]/.test(c)) {
      const match = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(expr.slice(i))!;
      tokens.push({ kind: "ident", text: match[0] });
      i += match[0].length;
    } else if ("(){}[],".includes(c)) {
      tokens.push({ kind: "punct", text: c as "(" });
      i++;
    } else {
      const match = /^(?:=~|!~|!=|==|>=|<=|[=<>+\-*/%^@])/.exec(expr.slice(i));
      if (match === null) throw new Error(`unexpected '${c}' in ${expr}`);
      tokens.push({ kind: "op", text: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}
