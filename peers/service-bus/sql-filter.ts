/**
 * A small SQL-92 filter language, the subset Service Bus rules use most: comparisons
 * (=, <>, !=, <, <=, >, >=), IN / NOT IN, IS [NOT] NULL, LIKE, AND, OR, NOT, parentheses, string,
 * number and boolean literals. Identifiers name application properties (`pool`, `user.pool`,
 * `[odd name]`) or system properties (`sys.MessageId`, `sys.Label`, `sys.CorrelationId`...).
 * Unknown syntax is rejected when the rule is created, never at delivery time.
 */
export type SqlValue = string | number | boolean | null | undefined;
export type PropertyLookup = (name: string, system: boolean) => SqlValue;

type Node =
  | { kind: "literal"; value: SqlValue }
  | { kind: "ident"; name: string; system: boolean }
  | { kind: "not"; operand: Node }
  | { kind: "and" | "or"; left: Node; right: Node }
  | { kind: "cmp"; op: string; left: Node; right: Node }
  | { kind: "in"; negate: boolean; operand: Node; list: Node[] }
  | { kind: "null"; negate: boolean; operand: Node }
  | { kind: "like"; negate: boolean; operand: Node; pattern: string };

interface Token {
  type: "ident" | "string" | "number" | "op" | "punct" | "word";
  text: string;
}

const WORDS = new Set(["AND", "OR", "NOT", "IN", "IS", "NULL", "TRUE", "FALSE", "LIKE"]);

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let text = "";
      i++;
      for (;;) {
        if (i >= input.length) throw new Error("unterminated string literal");
        if (input[i] === "'" && input[i + 1] === "'") {
          text += "'";
          i += 2;
        } else if (input[i] === "'") {
          i++;
          break;
        } else text += input[i++];
      }
      tokens.push({ type: "string", text });
    } else if (c === "[") {
      const end = input.indexOf("]", i);
      if (end === -1) throw new Error("unterminated [identifier]");
      tokens.push({ type: "ident", text: input.slice(i + 1, end) });
      i = end + 1;
    } else if (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(input[i + 1] ?? ""))) {
      const match = /^-?[0-9]+(\.[0-9]+)?/.exec(input.slice(i))!;
      tokens.push({ type: "number", text: match[0] });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(input.slice(i))!;
      const upper = match[0].toUpperCase();
      tokens.push(WORDS.has(upper) ? { type: "word", text: upper } : { type: "ident", text: match[0] });
      i += match[0].length;
    } else if ("<>=!".includes(c)) {
      const two = input.slice(i, i + 2);
      const op = ["<>", "!=", "<=", ">="].includes(two) ? two : c;
      tokens.push({ type: "op", text: op });
      i += op.length;
    } else if ("(),".includes(c)) {
      tokens.push({ type: "punct", text: c });
      i++;
    } else {
      throw new Error(`unexpected character '${c}' at ${i}`);
    }
  }
  return tokens;
}

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.or();
    if (this.position < this.tokens.length) throw new Error(`unexpected '${this.tokens[this.position]!.text}'`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }
  private acceptWord(word: string): boolean {
    const t = this.peek();
    if (t?.type === "word" && t.text === word) {
      this.position++;
      return true;
    }
    return false;
  }
  private expectPunct(text: string): void {
    const t = this.tokens[this.position++];
    if (t?.type !== "punct" || t.text !== text) throw new Error(`expected '${text}'`);
  }

  private or(): Node {
    let left = this.and();
    while (this.acceptWord("OR")) left = { kind: "or", left, right: this.and() };
    return left;
  }
  private and(): Node {
    let left = this.not();
    while (this.acceptWord("AND")) left = { kind: "and", left, right: this.not() };
    return left;
  }
  private not(): Node {
    if (this.acceptWord("NOT")) return { kind: "not", operand: this.not() };
    return this.comparison();
  }
  private comparison(): Node {
    const left = this.operand();
    const t = this.peek();
    if (t?.type === "op") {
      this.position++;
      return { kind: "cmp", op: t.text === "!=" ? "<>" : t.text, left, right: this.operand() };
    }
    if (this.acceptWord("IS")) {
      const negate = this.acceptWord("NOT");
      if (!this.acceptWord("NULL")) throw new Error("expected NULL after IS");
      return { kind: "null", negate, operand: left };
    }
    const negate = this.acceptWord("NOT");
    if (this.acceptWord("IN")) {
      this.expectPunct("(");
      const list: Node[] = [this.operand()];
      while (this.peek()?.text === ",") {
        this.position++;
        list.push(this.operand());
      }
      this.expectPunct(")");
      return { kind: "in", negate, operand: left, list };
    }
    if (this.acceptWord("LIKE")) {
      const pattern = this.tokens[this.position++];
      if (pattern?.type !== "string") throw new Error("LIKE needs a string pattern");
      return { kind: "like", negate, operand: left, pattern: pattern.text };
    }
    if (negate) throw new Error("expected IN or LIKE after NOT");
    return left;
  }
  private operand(): Node {
    const t = this.tokens[this.position++];
    if (t === undefined) throw new Error("unexpected end of expression");
    if (t.type === "punct" && t.text === "(") {
      const inner = this.or();
      this.expectPunct(")");
      return inner;
    }
    if (t.type === "string") return { kind: "literal", value: t.text };
    if (t.type === "number") return { kind: "literal", value: Number(t.text) };
    if (t.type === "word" && (t.text === "TRUE" || t.text === "FALSE")) return { kind: "literal", value: t.text === "TRUE" };
    if (t.type === "word" && t.text === "NULL") return { kind: "literal", value: null };
    if (t.type === "ident") {
      const lower = t.text.toLowerCase();
      if (lower.startsWith("sys.")) return { kind: "ident", name: t.text.slice(4), system: true };
      if (lower.startsWith("user.")) return { kind: "ident", name: t.text.slice(5), system: false };
      return { kind: "ident", name: t.text, system: false };
    }
    throw new Error(`unexpected '${t.text}'`);
  }
}

export interface CompiledSqlFilter {
  expression: string;
  matches(lookup: PropertyLookup): boolean;
}

/** Parses once; throws an Error naming the problem for an expression outside the subset. */
export function compileSqlFilter(expression: string): CompiledSqlFilter {
  const tree = new Parser(tokenize(expression)).parse();
  return { expression, matches: (lookup) => evaluate(tree, lookup) === true };
}

function evaluate(node: Node, lookup: PropertyLookup): SqlValue {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "ident":
      return lookup(node.name, node.system);
    case "not": {
      const value = evaluate(node.operand, lookup);
      return typeof value === "boolean" ? !value : undefined;
    }
    case "and":
      return evaluate(node.left, lookup) === true && evaluate(node.right, lookup) === true;
    case "or":
      return evaluate(node.left, lookup) === true || evaluate(node.right, lookup) === true;
    case "null": {
      const value = evaluate(node.operand, lookup);
      const isNull = value === null || value === undefined;
      return node.negate ? !isNull : isNull;
    }
    case "in": {
      const value = evaluate(node.operand, lookup);
      if (value === null || value === undefined) return undefined;
      const found = node.list.some((item) => evaluate(item, lookup) === value);
      return node.negate ? !found : found;
    }
    case "like": {
      const value = evaluate(node.operand, lookup);
      if (typeof value !== "string") return undefined;
      const regex = new RegExp(`^${node.pattern.replace(/[.*+?^${}()|\\]/g, "\\$&").replace(/%/g, ".*").replace(/_/g, ".")}$`, "s");
      return node.negate ? !regex.test(value) : regex.test(value);
    }
    case "cmp": {
      const left = evaluate(node.left, lookup);
      const right = evaluate(node.right, lookup);
      if (left === null || left === undefined || right === null || right === undefined) return undefined;
      switch (node.op) {
        case "=":
          return left === right;
        case "<>":
          return left !== right;
        case "<":
          return left < right;
        case "<=":
          return left <= right;
        case ">":
          return left > right;
        case ">=":
          return left >= right;
      }
      return undefined;
    }
  }
}
