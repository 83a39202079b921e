import { MINUTES_FRAGMENT, type MinutesTextBlock } from '@plenum/protocol';
import * as Y from 'yjs';

/**
 * The minutes document in the shape TipTap's Collaboration extension (y-prosemirror) reads and writes: the
 * Y.XmlFragment `MINUTES_FRAGMENT` holds one Y.XmlElement per block node, named like the ProseMirror node
 * (`heading` with a `level` attribute, `paragraph`, `bulletList` › `listItem` › `paragraph`), text in Y.XmlText.
 * Blocks the server inserts are built here, so they appear in every editor like typed text.
 */

export type Block = { type: 'heading'; level: 1 | 2 | 3; text: string } | { type: 'paragraph'; text: string } | { type: 'bullets'; items: string[] };

function paragraph(text: string): Y.XmlElement {
  const p = new Y.XmlElement('paragraph');
  if (text) {
    const t = new Y.XmlText();
    t.insert(0, text);
    p.insert(0, [t]);
  }
  return p;
}

function element(block: Block): Y.XmlElement {
  switch (block.type) {
    case 'heading': {
      const h = new Y.XmlElement('heading');
      // y-prosemirror stores node attributes as they are; TipTap's heading reads a number.
      h.setAttribute('level', block.level as unknown as string);
      const t = new Y.XmlText();
      t.insert(0, block.text);
      h.insert(0, [t]);
      return h;
    }
    case 'paragraph':
      return paragraph(block.text);
    case 'bullets': {
      const list = new Y.XmlElement('bulletList');
      list.insert(
        0,
        block.items.map((text) => {
          const item = new Y.XmlElement('listItem');
          item.insert(0, [paragraph(text)]);
          return item;
        }),
      );
      return list;
    }
  }
}

/** Appends blocks at the end of the document in one transaction (one update for everyone). */
export function appendBlocks(doc: Y.Doc, blocks: readonly Block[], origin: unknown = null): void {
  const fragment = doc.getXmlFragment(MINUTES_FRAGMENT);
  doc.transact(() => {
    fragment.insert(fragment.length, blocks.map(element));
  }, origin);
}

function inlineText(node: Y.XmlElement | Y.XmlText | Y.XmlHook): string {
  if (node instanceof Y.XmlText) {
    return (node.toDelta() as { insert: unknown }[]).map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('');
  }
  if (node instanceof Y.XmlElement) {
    if (node.nodeName === 'hardBreak') return '\n';
    return node.toArray().map(inlineText).join('');
  }
  return '';
}

/** The document's text by blocks, as sealed, exported and printed. */
export function documentBlocks(doc: Y.Doc): MinutesTextBlock[] {
  const blocks: MinutesTextBlock[] = [];
  const walk = (nodes: (Y.XmlElement | Y.XmlText | Y.XmlHook)[], inList: boolean) => {
    for (const node of nodes) {
      if (node instanceof Y.XmlText) {
        blocks.push({ type: 'paragraph', text: inlineText(node) });
        continue;
      }
      if (!(node instanceof Y.XmlElement)) continue;
      switch (node.nodeName) {
        case 'heading': {
          const level = Number(node.getAttribute('level'));
          blocks.push({ type: 'heading', level: Number.isInteger(level) && level >= 1 && level <= 6 ? level : 1, text: inlineText(node) });
          break;
        }
        case 'paragraph':
        case 'codeBlock':
          blocks.push({ type: inList ? 'list_item' : 'paragraph', text: inlineText(node) });
          break;
        case 'bulletList':
        case 'orderedList':
        case 'listItem':
        case 'blockquote':
          walk(node.toArray(), inList || node.nodeName !== 'blockquote');
          break;
        case 'horizontalRule':
          blocks.push({ type: 'rule', text: '' });
          break;
        default:
          blocks.push({ type: 'paragraph', text: inlineText(node) });
      }
    }
  };
  walk(doc.getXmlFragment(MINUTES_FRAGMENT).toArray(), false);
  return blocks;
}

/** Plain text of the blocks: one line per block, list items with a bullet. */
export function blocksText(blocks: readonly MinutesTextBlock[]): string {
  return blocks.map((b) => (b.type === 'list_item' ? `• ${b.text}` : b.type === 'rule' ? '—' : b.text)).join('\n');
}
