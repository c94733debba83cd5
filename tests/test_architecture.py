"""The structure the code promises: no import cycles, layers that point down.

import-linter (``lint-imports``, in CI) checks the layer contracts in pyproject.toml; this
test checks that no two modules of ``bot`` import each other, directly or through others,
counting function-local and ``TYPE_CHECKING`` imports (grimp reads every import).
"""

import grimp


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(module: str) -> None:
        nonlocal counter
        index[module] = low[module] = counter
        counter += 1
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles_in_bot():
    graph = grimp.build_graph("bot", include_external_packages=False)
    assert strongly_connected(graph) == []


def test_store_and_render_know_no_topic():
    graph = grimp.build_graph("bot", include_external_packages=False)
    for low_layer in ("bot.store", "bot.render", "bot.domain"):
        for topic in ("bot.topics",):
            assert not graph.chain_exists(importer=low_layer, imported=topic, as_packages=True)
