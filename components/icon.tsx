/**
 * Icons of the sprite (`static/icons.svg`): one cached file, not paths in the
 * page's script. Decorative: the control an icon sits in carries the label.
 */

/** The sprite's URL. */
export const ICONS_URL = "/icons.svg";

/** An icon of the sprite, by symbol id. */
export function Icon({ name, class: extra }: { name: string; class: string }) {
  return (
    <svg aria-hidden="true" class={extra}>
      <use href={`${ICONS_URL}#${name}`} />
    </svg>
  );
}
