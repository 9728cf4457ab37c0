// How tests compare what Slack, Discord and the console show: the words a person reads.
/** A platform's words as a person reads them: markup, escapes and mentions' ids taken out. */
export function plainWords(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\\([\\*_`~|<>#\-[\]().!])/g, '$1')
    .replace(/\u200b/g, '')
    .replace(/<@[A-Z0-9]+>/g, '@someone')
    .replace(/@console\b/g, '@someone')
    .replace(/[*`]/g, '')
    .trim();
}
