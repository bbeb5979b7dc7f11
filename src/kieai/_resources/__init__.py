"""The public resources of a client (``client.motion_control``, ``client.image_to_video``,
``client.text_to_video``): each names its arguments and models and hands the call to the
generation pipeline."""
