/**
 * Bad input from the person or the config file: bad URL, unknown target, invalid YAML, a secret
 * reference that does not resolve. Shown as one line; the CLI exits 2.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
