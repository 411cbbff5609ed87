// The clinic website's embed: <script src="https://…/embed.js" data-lang="nl" async></script>
// puts the booking page in a frame just after the script tag, as tall as its content.
(() => {
  const script = document.currentScript as HTMLScriptElement | null;
  if (!script) return;
  const origin = new URL(script.src).origin;
  const lang = script.dataset.lang === 'en' || script.dataset.lang === 'nl' ? script.dataset.lang : '';
  const frame = document.createElement('iframe');
  frame.src = `${origin}/book?embed=1${lang ? `&lang=${lang}` : ''}`;
  frame.title = script.dataset.title ?? (lang === 'en' ? 'Book an appointment' : 'Afspraak maken');
  frame.setAttribute('style', 'width:100%;border:0;min-height:480px;display:block');
  frame.setAttribute('loading', 'lazy');
  frame.setAttribute('allow', '');
  window.addEventListener('message', (event) => {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    const data = event.data as { type?: string; height?: unknown };
    if (data?.type === 'clinic-booking:height' && typeof data.height === 'number' && data.height > 0) {
      frame.style.height = `${Math.min(Math.ceil(data.height), 10000)}px`;
    }
  });
  script.insertAdjacentElement('afterend', frame);
})();
