"""What several areas of the site share: page identity, URLs and field validators."""
