//! Small DOM helpers: elements are built with text content only, never from HTML strings.

use wasm_bindgen::{JsCast, UnwrapThrowExt};
use web_sys::{Document, Element, HtmlElement};

/// The page's document.
pub fn document() -> Document {
    web_sys::window().unwrap_throw().document().unwrap_throw()
}

/// The element with `id`, cast to `T`; a missing element is a bug of the page, so it throws.
pub fn by_id<T: JsCast>(id: &str) -> T {
    document()
        .get_element_by_id(id)
        .unwrap_or_else(|| wasm_bindgen::throw_str(&format!("the page lacks #{id}")))
        .dyn_into::<T>()
        .unwrap_throw()
}

/// A new element with a class and, if given, text.
pub fn el(tag: &str, class: &str, text: Option<&str>) -> Element {
    let e = document().create_element(tag).unwrap_throw();
    if !class.is_empty() {
        e.set_class_name(class);
    }
    if let Some(text) = text {
        e.set_text_content(Some(text));
    }
    e
}

/// Appends `child` to `parent`.
pub fn append(parent: &Element, child: &Element) {
    parent.append_child(child).unwrap_throw();
}

/// Sets an attribute.
pub fn attr(e: &Element, name: &str, value: &str) {
    e.set_attribute(name, value).unwrap_throw();
}

/// Shows or hides an element.
pub fn set_hidden(id: &str, hidden: bool) {
    by_id::<HtmlElement>(id).set_hidden(hidden);
}
