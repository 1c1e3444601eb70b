"""What tests, benchmarks and fixture scripts share: a scripted model at the HTTP edge (`fakes`),
fixture recordings (`fixtures`), and a fake OpenAI-compatible server process (`fakeserver`).
The package itself never imports this."""
