import type { registry } from '../features/registry.ts';
import { featureMessages } from '../features/messages.ts';
import { de } from './de.ts';
import { en, type AppCatalogue } from './en.ts';
import type { Language } from './index.ts';

type UnionToIntersection<U> = (U extends unknown ? (part: U) => void : never) extends (part: infer I) => void ? I : never;

/** Every registered feature's texts: each adds its own top-level sections (`chat`, `legalVote`, …). */
export type FeatureCatalogue = UnionToIntersection<(typeof registry)[number]['messages']['en']>;

/** The whole catalogue `t` reads: the app's texts and every feature's, one level of sections deep. */
export type Catalogue = { [Section in keyof (AppCatalogue & FeatureCatalogue)]: (AppCatalogue & FeatureCatalogue)[Section] };

const app: Record<Language, AppCatalogue> = { en, de };

/**
 * One language's catalogue: the app's texts, then each feature's sections. The registry's type names the
 * sections; the texts come from `features/messages.ts` so that no feature code is loaded with them.
 */
export function catalogueOf(lang: Language): Catalogue {
  const sections: Record<string, unknown> = { ...app[lang] };
  for (const messages of featureMessages) Object.assign(sections, messages[lang]);
  // The loop adds exactly the sections FeatureCatalogue names (the catalogue test checks none overlap and
  // that featureMessages holds the registry's texts).
  return sections as Catalogue;
}
