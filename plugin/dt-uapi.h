/* dt-uapi.h: PLACEHOLDER */
#pragma once
