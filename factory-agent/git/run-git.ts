import { spawn } from "node:child_process";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Who the factory commits as, unless the environment already says (GIT_AUTHOR_NAME and friends). */
const IDENTITY = {
  GIT_AUTHOR_NAME: "Fleet factory",
  GIT_AUTHOR_EMAIL: "factory@fleet.invalid",
  GIT_COMMITTER_NAME: "Fleet factory",
  GIT_COMMITTER_EMAIL: "factory@fleet.invalid",
};

/**
 * Runs a program (git, gh) to the end and collects its output. Never prompts (a missing credential
 * fails at once instead of hanging the attempt); `signal` kills it (the wall-clock budget, a drain).
 */
export function runProgram(program: string, args: readonly string[], options: { cwd: string; env?: Record<string, string>; signal?: AbortSignal }): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: { ...IDENTITY, ...process.env, GIT_TERMINAL_PROMPT: "0", GH_PROMPT_DISABLED: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", (error) => resolve({ code: 127, stdout, stderr: stderr + error.message }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export function git(args: readonly string[], options: { cwd: string; signal?: AbortSignal }): Promise<CommandResult> {
  return runProgram("git", args, options);
}

/** The last line of a program's error output, for a message. */
export function lastLine(result: CommandResult): string {
  const lines = `${result.stderr}\n${result.stdout}`.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  return lines.at(-1) ?? `exit code ${result.code}`;
}
