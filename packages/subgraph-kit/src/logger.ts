/** What the kit logs through: pino, console or any logger with these methods. */
export interface SubgraphLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}
