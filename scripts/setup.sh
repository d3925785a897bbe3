#!/usr/bin/env bash
# Sets up fawen on a Debian/Ubuntu machine, idempotently:
#   1. the open CJK fonts from Debian (黑体: WenQuanYi Micro Hei; 楷体: AR PL UKai; 宋体: AR PL UMing),
#      LibreOffice when --libreoffice is given (used by the tests to open the DOCX), and with --tests
#      LibreOffice plus Debian's chromium and chromium-driver (the browser tests of fawen serve drive
#      that browser; none is ever downloaded by a test tool), PDFBox Preflight (libpdfbox2-java, with a
#      headless Java) and poppler-utils (pdffonts): the tests' PDF/A cross-checks;
#   2. a virtual environment .venv with fawen and its dependencies (and the test tools);
#   3. the Fandol faces (仿宋, and a heavy 宋 for 小标宋) from Debian's texlive-lang-chinese,
#      converted once from OpenType-CFF to TrueType (reportlab reads TrueType only) into the
#      user's font cache, plus fontconfig aliases so LibreOffice shows a DOCX in the same faces.
# Usage: bash scripts/setup.sh [--libreoffice | --tests]
set -euo pipefail
cd "$(dirname "$0")/.."

with_libreoffice=0
with_browser=0
for arg in "$@"; do
  case "$arg" in
    --libreoffice) with_libreoffice=1 ;;
    --tests) with_libreoffice=1; with_browser=1 ;;
    *) echo "未知参数：$arg（可用：--libreoffice、--tests）" >&2; exit 2 ;;
  esac
done

sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi

if command -v apt-get >/dev/null 2>&1; then
  packages="fonts-wqy-microhei fonts-arphic-ukai fonts-arphic-uming fontconfig"
  if [ "$with_libreoffice" = 1 ]; then packages="$packages libreoffice-writer-nogui fonts-liberation"; fi
  if [ "$with_browser" = 1 ]; then packages="$packages chromium chromium-driver"; fi
  # the tests' second PDF/A validator (PDFBox Preflight) and pdffonts
  if [ "$with_browser" = 1 ]; then packages="$packages default-jre-headless libpdfbox2-java libactivation-java libjaxb-api-java poppler-utils"; fi
  missing=""
  for p in $packages; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "== 安装系统软件包：$missing"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
else
  echo "== 没有 apt-get：请自行安装黑体、楷体、宋体的字体（或标准的 Windows/方正字体）。" >&2
fi

python=${PYTHON:-python3}
# A .venv whose pip does not run (made half by a venv without ensurepip, or moved) is made anew.
if [ -e .venv ] && ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  echo "== 现有的 .venv 不完整（pip 无法运行），删除后重建"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  # Debian ships venv's ensurepip in a separate package (python3-venv, or python3.X-venv)
  if ! "$python" -c "import ensurepip, venv" >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    echo "== 系统缺少 python3-venv（创建虚拟环境所需），正在安装"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-venv python3-pip >/dev/null
    if ! "$python" -c "import ensurepip" >/dev/null 2>&1; then  # some releases name it by version only
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "python${version}-venv" >/dev/null || true
    fi
  fi
  echo "== 创建虚拟环境 .venv"
  if ! "$python" -m venv .venv; then
    rm -rf .venv  # never leave a half-made one behind for the next run
    echo "创建虚拟环境失败：请安装 python3-venv（Debian/Ubuntu：apt-get install python3-venv）后重新运行本脚本。" >&2
    exit 1
  fi
fi
echo "== 安装 fawen 及其依赖"
# editable_mode=compat: a plain path in a .pth file. The default mode installs an import hook whose
# module (pathlib, fnmatch, importlib.util) every start of python pays, 25 ms of each `fawen` command.
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' --config-settings editable_mode=compat
# fawen's own modules compiled now: an editable install is not, and a command should start at once
# even where the environment forbids writing bytecode at run time (PYTHONDONTWRITEBYTECODE)
.venv/bin/python -m compileall -q pipeline >/dev/null

cache="${FAWEN_FONT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fawen/fonts}"
if [ -f "$cache/FandolFang-Regular.ttf" ] && [ -f "$cache/FandolSong-Bold.ttf" ]; then
  .venv/bin/fawen fonts --install >/dev/null
else
  fandol=""
  for d in /usr/share/texlive/texmf-dist/fonts/opentype/public/fandol /usr/share/texmf/fonts/opentype/public/fandol; do
    if [ -f "$d/FandolFang-Regular.otf" ]; then fandol="$d"; fi
  done
  tmp=""
  if [ -z "$fandol" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== 下载 Fandol 开源字体（Debian texlive-lang-chinese，仅解包，不安装 TeX）"
    tmp=$(mktemp -d)
    chmod 755 "$tmp"
    if ! (cd "$tmp" && apt-get download texlive-lang-chinese >/dev/null 2>&1); then
      $sudo apt-get update -qq
      (cd "$tmp" && apt-get download texlive-lang-chinese >/dev/null 2>&1)
    fi
    dpkg -x "$tmp"/texlive-lang-chinese_*.deb "$tmp/x"
    fandol="$tmp/x/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol"
  fi
  echo "== 把 Fandol 字体转换为 TrueType（仅首次，约半分钟）"
  .venv/bin/fawen fonts --install --from "$fandol" >/dev/null
  if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
fi
if command -v fc-cache >/dev/null 2>&1; then fc-cache -f >/dev/null 2>&1 || true; fi
.venv/bin/fawen fonts
echo "== 准备完成"
