"""Comments in and out: WordPress (WXR) and Disqus exports read, WXR written."""
