import { h } from '../ui/dom';

/**
 * Asks for a line of text in a modal `<dialog>` (focus moves in and back; Esc cancels). Replaces the
 * arrow tool's `prompt()`, which is neither translated nor styled.
 */
export function askText(initial = ''): Promise<string | null> {
  return new Promise((resolve) => {
    const previous = document.activeElement as HTMLElement | null;
    const input = h('input', { type: 'text', id: 'arrow-text', class: 'text-input', value: initial, autocomplete: 'off', maxlength: 200 });
    const form = h('form', { method: 'dialog', class: 'dialog-form' },
      h('label', { for: 'arrow-text', i18n: 'viewer.arrowPrompt' }),
      input,
      h('div', { class: 'dialog-buttons' },
        h('button', { type: 'button', class: 'button secondary', value: 'cancel', i18n: 'viewer.cancel', onclick: () => dialog.close('cancel') }),
        h('button', { type: 'submit', class: 'button primary', value: 'ok', i18n: 'viewer.ok' })));
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'arrow-text-title', 'data-testid': 'text-dialog' },
      h('h2', { id: 'arrow-text-title', class: 'dialog-title', i18n: 'viewer.arrowText' }), form);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      dialog.close('ok');
    });
    dialog.addEventListener('close', () => {
      const text = dialog.returnValue === 'ok' ? input.value.trim() : '';
      dialog.remove();
      previous?.focus?.();
      resolve(text ? text : null);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
    input.select();
  });
}
