import Collaboration from '@tiptap/extension-collaboration';
import { EditorContent, useEditor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useEffect } from 'react';
import type * as Y from 'yjs';

/** TipTap bound to the Yjs document; not editable (and marked read only) unless this participant may write. */
export function MinutesEditor({ doc, editable, labelId, describedBy }: { doc: Y.Doc; editable: boolean; labelId: string; describedBy: string }) {
  const attributes = (canWrite: boolean) => ({
    class: 'minutes-editor',
    role: 'textbox',
    'aria-multiline': 'true',
    'aria-labelledby': labelId,
    'aria-describedby': describedBy,
    'aria-readonly': String(!canWrite),
  });
  const editor = useEditor(
    {
      extensions: [StarterKit.configure({ undoRedo: false }), Collaboration.configure({ document: doc, field: 'default' })],
      editable,
      editorProps: { attributes: attributes(editable) },
    },
    [doc],
  );
  useEffect(() => {
    if (!editor) return;
    // Through the options, not editor.view: the view may not be mounted yet (the editor arrives lazily), and
    // TipTap applies the options when it mounts.
    editor.setOptions({ editable, editorProps: { attributes: attributes(editable) } });
  }, [editor, editable, labelId, describedBy]);
  return <EditorContent editor={editor} className="minutes-editor-frame" />;
}
