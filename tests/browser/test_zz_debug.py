def test_debug(browser, notebook_runner, artifacts):
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    logs = []
    page.on("console", lambda m: logs.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: logs.append(f"pageerror: {e}"))
    report = notebook_runner(page, "05-explore-dashboard.ipynb")
    import time; time.sleep(5)
    page.screenshot(path=str(artifacts / "debug.png"))
    print(report)
    st = page.locator(".widget-tab .js-plotly-plot").first.evaluate("el => ({n: el.data.length, h: el._fullLayout.height, ann: (el.layout.annotations||[]).length})")
    print(st)
    for l in logs:
        if "error" in l.lower() or "warn" in l.lower(): print(l[:300])
