/** Intent synonyms: one module that the policy schema, the compiler and enrichment all import (no import circle). */

/** How synonyms are compared: case, spacing and punctuation do not matter. */
export function synonymKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
