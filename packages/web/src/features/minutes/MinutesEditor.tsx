import Collaboration from '@tiptap/extension-collaboration';
import { EditorContent, useEditor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useEffect } from 'react';
import type * as Y from 'yjs';

/** TipTap bound to the Yjs document; not editable (and marked read only) unless this participant may write. */
export function MinutesEditor({ doc, editable, labelId, describedBy }: { doc: Y.Doc; editable: boolean; labelId: string; describedBy: string }) {
  const editor = useEditor(
    {
      extensions: [StarterKit.configure({ undoRedo: false }), Collaboration.configure({ document: doc, field: 'default' })],
      editable,
      editorProps: {
        attributes: {
          class: 'minutes-editor',
          role: 'textbox',
          'aria-multiline': 'true',
          'aria-labelledby': labelId,
          'aria-describedby': describedBy,
          'aria-readonly': String(!editable),
        },
      },
    },
    [doc],
  );
  useEffect(() => {
    if (!editor) return;
    editor.setEditable(editable);
    editor.view.dom.setAttribute('aria-readonly', String(!editable));
  }, [editor, editable]);
  return <EditorContent editor={editor} className="minutes-editor-frame" />;
}
