"""The public resources of a client (``client.motion_control``, ``client.image_to_video``,
``client.text_to_video``): each is its declaration's generated ``check``/``create``/``generate``
(``_generated/resources.py``) handing the call to the generation pipeline."""
