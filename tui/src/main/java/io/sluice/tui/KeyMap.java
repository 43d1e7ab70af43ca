package io.sluice.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;

/** Keys to actions. Stateless; filter and dialog typing are handled before the key map (see {@link Controller}). */
final class KeyMap {
    private KeyMap() {
    }

    /** The action of {@code k}, or null for an unbound key. */
    static Action action(KeyStroke k) {
        KeyType type = k.getKeyType();
        switch (type) {
            case Tab: return Action.NEXT_VIEW;
            case ReverseTab: return Action.PREV_VIEW;
            case ArrowUp: return Action.UP;
            case ArrowDown: return Action.DOWN;
            case PageUp: return Action.PAGE_UP;
            case PageDown: return Action.PAGE_DOWN;
            case Home: return Action.HOME;
            case End: return Action.END;
            case Enter: return Action.ENTER;
            case Escape: return Action.BACK;
            case EOF: return Action.QUIT;
            case Character: break;
            default: return null;
        }
        char c = k.getCharacter();
        if (k.isCtrlDown()) {
            return c == 'c' || c == 'C' ? Action.QUIT : null;
        }
        if (c >= '1' && c <= '0' + ScreenState.Page.TABS) {
            return Action.VIEW;
        }
        return switch (c) {
            case '?' -> Action.HELP;
            case 'k' -> Action.UP;
            case 'j' -> Action.DOWN;
            case '/' -> Action.FILTER;
            case 's' -> Action.SORT;
            case 't' -> Action.TAIL;
            case 'f' -> Action.FIND;
            case 'n' -> Action.FIND_NEXT;
            case 'N' -> Action.FIND_PREVIOUS;
            case 'i' -> Action.INTERNAL;
            case 'o' -> Action.SEEK;
            case 'e' -> Action.ELECT;
            case 'p', ' ' -> Action.PAUSE;
            case '+' -> Action.SLOWER;
            case '-' -> Action.FASTER;
            case 'q', 'Q' -> Action.QUIT;
            default -> null;
        };
    }
}
