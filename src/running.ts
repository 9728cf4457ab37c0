// What a started role hands back to the command line: one line to say what runs, and how to stop it.
export interface Running {
  /** Finish in-flight work, then let go of every connection. */
  stop(): Promise<void>;
  describe: string;
  /** Where a person opens the web console, when this process serves one (with its login link). */
  consoleUrl?: string;
  /** The bot's HTTP port (0 asks the system for a free one). */
  port?: number;
}
