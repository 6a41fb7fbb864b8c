/** The official-account bridge: the identity service's page, in a web-view, runs WeChat's silent web authorisation. */
Page<{ url: string }, WechatMiniprogram.IAnyObject>({
  data: { url: '' },
  onLoad(query: Record<string, string | undefined>) {
    this.setData({ url: decodeURIComponent(query.url ?? '') });
  },
});
