"""Drawing helpers shared by the toy detection and segmentation sets."""
import numpy as np


def textured_background(rng: np.random.Generator, height: int,
                        width: int) -> np.ndarray:
    """A smooth random colour gradient with pixel noise, (H, W, 3) uint8."""
    corners = rng.uniform(40, 200, size=(2, 2, 3))
    ys = np.linspace(0, 1, height)[:, None, None]  # (H, 1, 1)
    xs = np.linspace(0, 1, width)[None, :, None]  # (1, W, 1)
    top = corners[0, 0] * (1 - xs) + corners[0, 1] * xs  # (1, W, 3)
    bottom = corners[1, 0] * (1 - xs) + corners[1, 1] * xs  # (1, W, 3)
    image = top * (1 - ys) + bottom * ys  # (H, W, 3)
    return add_noise(rng, image, sigma=12)


def add_noise(rng: np.random.Generator, image: np.ndarray,
              sigma: float) -> np.ndarray:
    """Gaussian pixel noise, clipped back to uint8."""
    noisy = image.astype(np.float32) + rng.normal(0, sigma, image.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def jittered_colour(rng: np.random.Generator, base: tuple,
                    spread: float) -> tuple:
    """``base`` RGB moved by up to ``spread`` per channel, as ints."""
    colour = np.clip(np.asarray(base) + rng.uniform(-spread, spread, 3), 0,
                     255)
    return tuple(int(c) for c in colour)
