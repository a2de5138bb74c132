/** Options of {@link element}. Text is always set through `textContent`. */
export interface ElementOptions {
  className?: string;
  text?: string;
  attributes?: Record<string, string>;
}

/** Creates an element with a class, text and attributes, and appends the children. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  children: Node[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.className !== undefined) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  for (const [name, value] of Object.entries(options.attributes ?? {})) {
    node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

/** Creates a labelled text input. The label wraps the input, so no id is needed. */
export function textField(
  label: string,
  attributes: Record<string, string> = {},
): { field: HTMLLabelElement; input: HTMLInputElement } {
  const input = element("input", { attributes: { type: "text", ...attributes } });
  const field = element("label", { className: "field" }, [element("span", { text: label }), input]);
  return { field, input };
}

/** Creates a button of the given type with a text label. */
export function button(
  text: string,
  type: "button" | "submit" = "button",
  className = "",
): HTMLButtonElement {
  return element("button", { text, className, attributes: { type } });
}
